/**
 * What a test started, stopped in reverse order. Every cleanup runs even if an
 * earlier one fails, and the failures are reported afterwards (never
 * swallowed): a process that would not stop is a finding, not noise.
 */
export class Cleanups {
  private readonly pending: (() => Promise<unknown>)[] = [];

  add(cleanup: () => Promise<unknown>): void {
    this.pending.push(cleanup);
  }

  /** `thing`, with `stop` (default: its own stop() or close()) run at cleanup time. */
  later<T extends object>(thing: T, stop?: (t: T) => Promise<unknown>): T {
    const own = thing as { stop?: () => Promise<unknown>; close?: () => Promise<unknown> };
    this.add(() => (stop ? stop(thing) : (own.stop ?? own.close)!.call(thing)));
    return thing;
  }

  async runAll(): Promise<void> {
    const errors: unknown[] = [];
    while (this.pending.length) {
      try {
        await this.pending.pop()!();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cleanups failed`);
  }
}

/**
 * Starts several things at once. If any start fails, the ones that did start
 * are stopped before the failure is thrown, so nothing is left running.
 */
export async function startAll<T>(starts: Promise<T>[], stop: (t: T) => Promise<unknown>): Promise<T[]> {
  const results = await Promise.allSettled(starts);
  const started: T[] = [];
  const failures: unknown[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') started.push(r.value);
    else failures.push(r.reason);
  }
  if (failures.length === 0) return started;
  // Stopping is best effort here: the start failure is what the test must report.
  await Promise.allSettled(started.map(stop));
  throw failures[0];
}
