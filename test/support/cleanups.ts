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

/** Stops every one of `things`, all at once; every failure to stop is reported (thrown), none swallowed. */
export async function stopAll<T>(things: T[], stop: (t: T) => Promise<unknown>): Promise<void> {
  const failures = (await Promise.allSettled(things.map(stop))).flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} of ${things.length} would not stop`);
}

/**
 * Starts several things at once. If any start fails, the ones that did start
 * are stopped before the failure is thrown, so nothing is left running; a
 * failure to stop one of them is reported with the start failure, not swallowed.
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
  const stopFailure = await stopAll(started, stop).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (failures.length === 1 && stopFailure === undefined) throw failures[0];
  throw new AggregateError(
    stopFailure === undefined ? failures : [...failures, stopFailure],
    `${failures.length} of ${starts.length} failed to start${stopFailure === undefined ? '' : ', and the started ones did not all stop'}: ${String(
      (failures[0] as Error)?.message ?? failures[0],
    )}`,
  );
}
