import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The suites' one wait: polls `condition` every 50 ms until it holds, or
 * throws naming `what` once `timeoutMs` has passed. Tests wait for what must
 * happen, never for a fixed time: a busy machine makes it slower, not wrong.
 */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await condition()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}
