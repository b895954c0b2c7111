/**
 * When the next try of a failed delivery is due: exponential (base · 2^(tries-1),
 * capped) with full jitter, so receivers coming back from an outage are not hit
 * by every instance at once. Hand-written on purpose: the schedule is stored
 * in MySQL (next_attempt_at) so it survives a restart and frees the worker in
 * between, which `exponential-backoff` (an in-process sleep loop) cannot do.
 */
export function retryDelayMs(failedTries: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failedTries - 1));
  // Full jitter, but never less than half the step: the backoff stays visibly exponential.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
