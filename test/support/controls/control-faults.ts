/**
 * Faults a control app is built with (CONTROL_FAULTS, comma-separated; read
 * when the app is built), each the broken version of one guard a proof relies
 * on, so that the proof's own checks are shown to trip on it:
 * - `naive-idempotency`: no claim on the Idempotency-Key (look it up in MySQL,
 *   book if absent), proof 6's control, on a database without the key's unique index;
 * - `cancel-returns-ended-seats`: cancelling a booking that already ended gives
 *   its seats back again (proof 7's control);
 * - `confirm-ignores-lapse`: a confirm that does not check the hold's expiry
 *   nor that the sweeper ended it (proof 10's and the confirm-vs-expiry race's control).
 */
export type ControlFault = 'naive-idempotency' | 'cancel-returns-ended-seats' | 'confirm-ignores-lapse';

export function controlFaults(): ReadonlySet<ControlFault> {
  return new Set(
    (process.env.CONTROL_FAULTS ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean) as ControlFault[],
  );
}
