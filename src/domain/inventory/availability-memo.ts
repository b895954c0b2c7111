/** How long a sold-out observation is trusted in this process. */
export const SOLD_OUT_MEMO_MS = 200;

/**
 * The free-seat count this process last saw for each event, for a short
 * moment. Owned by SeatPool, which records every reading and clears it on
 * every give-back. Only ever used to answer SOLD_OUT without a round trip: "no" is
 * always safe for the invariants. A seat given back (cancellation,
 * compensation, rebuild) in this process clears the memo once Redis has
 * answered, so an older reading from the same connection cannot land after the
 * clear. A reading from a WATCH connection can, and a seat given back by
 * another instance is not seen at all: either way the seat is offered here at
 * most SOLD_OUT_MEMO_MS later.
 *
 * Why: in the flash bench, once the pool ran dry, buyers already queued for
 * the event's turn each spent ~50 ms of round trips (behind the flood of
 * SOLD_OUT answers on the event loop) just to learn it, and the last of them
 * missed their deadline.
 *
 * Asked (through SeatPool.knownSoldOut) in two places: by SeatReservation
 * before every attempt (most answers once a sale is over), and by EventTurns
 * when a queued attempt gets its turn (the one before it may just have taken
 * the last seat).
 */
export class AvailabilityMemo {
  private readonly seen = new Map<number, { available: number; at: number }>();

  record(eventId: number, available: number): void {
    this.seen.set(eventId, { available, at: Date.now() });
  }

  forget(eventId: number): void {
    this.seen.delete(eventId);
  }

  /** A recent observation that `quantity` seats are not there, or null. */
  soldOut(eventId: number, quantity: number): { kind: 'sold-out'; available: number } | null {
    const last = this.seen.get(eventId);
    if (!last) return null;
    if (Date.now() - last.at > SOLD_OUT_MEMO_MS) {
      this.seen.delete(eventId);
      return null;
    }
    return last.available < quantity ? { kind: 'sold-out', available: last.available } : null;
  }
}
