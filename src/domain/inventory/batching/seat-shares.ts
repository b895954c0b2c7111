/** What one booking of a batch got from the pool: its seats, or "sold out" with what was left for it. */
export type SeatShare = { kind: 'taken'; seats: number[] } | { kind: 'sold-out'; available: number };

/** One batch attempt: every booking's share, or the pool is missing, or another writer got there first. */
export type BatchTake =
  | { kind: 'taken'; shares: SeatShare[] }
  | { kind: 'missing' }
  /** The event was cancelled: its pool is closed for good. */
  | { kind: 'closed' }
  | { kind: 'conflict'; reason: string };

/**
 * Shares out the lowest free seats (ascending, as many as the batch asks for
 * or as there are) in batch order, each booking all or nothing: one that does
 * not fit in what is left is sold out, and a smaller one after it may still
 * fit — exactly what the same bookings one at a time would have got.
 */
export function shareOut(lowest: number[], quantities: number[]): SeatShare[] {
  let next = 0;
  return quantities.map((quantity) => {
    const left = lowest.length - next;
    if (quantity > left) return { kind: 'sold-out', available: left };
    const seats = lowest.slice(next, next + quantity);
    next += quantity;
    return { kind: 'taken', seats };
  });
}

/** Every seat the batch took, in one list. */
export const takenSeats = (shares: SeatShare[]): number[] => shares.flatMap((s) => (s.kind === 'taken' ? s.seats : []));
