/**
 * What MySQL raises when a write would make something live for a cancelled
 * event (a booking, a hold, an offer, a confirmation, a waiting-list entry):
 * the triggers of migration CancelIsFinal signal SQLSTATE 45000 with this
 * message, checked under the event row's shared lock.
 */
export const EVENT_CANCELLED_SIGNAL = 'event cancelled';

/** MySQL refused the write: the event was cancelled (by then, or meanwhile). */
export class EventCancelledRefusal extends Error {
  constructor(cause?: unknown) {
    super('MySQL refused the write: the event is cancelled', { cause });
  }
}

export function isEventCancelledSignal(error: unknown): boolean {
  const driver = error as { sqlState?: string; sqlMessage?: string } | null;
  return driver?.sqlState === '45000' && driver.sqlMessage === EVENT_CANCELLED_SIGNAL;
}
