import { randomBytes } from 'node:crypto';
import type { SqlTransaction } from '../../database/bounded-sql';

/** Seats offered to one waiting-list entry, as a hold made for it. */
export interface WaitlistOffer {
  entryId: number;
  bookingId: number;
  seats: number[];
}

/**
 * Seats that just came free (cancellation, released or expired hold, more
 * capacity) go to the event's waiting list first, inside the transaction that
 * freed them, so they never reach the pool in between: the head entry gets a
 * hold of its quantity (secret = the entry's secret, strategy `waitlist`,
 * expiring after `offerTtlMs`), then the next, in order of joining. An entry
 * asking for more seats than are left keeps its place for the next seats
 * that come back, and the round goes on to the entries behind it (seats come
 * back one booking at a time: waiting for enough to gather would leave them
 * idle). What no entry can take goes back on general sale.
 */
export async function offerToWaitlist(
  tx: SqlTransaction,
  eventId: number,
  seats: number[],
  offerTtlMs: number,
): Promise<{ offers: WaitlistOffer[]; leftover: number[] }> {
  const remaining = [...seats].sort((a, b) => a - b);
  const offers: WaitlistOffer[] = [];
  if (remaining.length === 0) return { offers, leftover: remaining };
  const waiting = await tx.query<{ id: number; secret_hash: string; customer_email: string; quantity: number }[]>(
    "SELECT id, secret_hash, customer_email, quantity FROM waitlist_entries WHERE event_id = ? AND status = 'waiting' ORDER BY id LIMIT 100 FOR UPDATE",
    [eventId],
  );
  const now = new Date(Math.floor(Date.now()));
  const expiresAt = new Date(now.getTime() + offerTtlMs);
  for (const entry of waiting) {
    if (remaining.length === 0) break;
    const quantity = Number(entry.quantity);
    if (quantity > remaining.length) continue;
    const taken = remaining.splice(0, quantity);
    const inserted = await tx.query<{ insertId: number }>(
      `INSERT INTO bookings (reference, secret_hash, event_id, customer_email, quantity, status, expires_at, strategy, seats, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'held', ?, 'waitlist', ?, ?, ?)`,
      [
        `bk_${randomBytes(16).toString('base64url')}`,
        entry.secret_hash,
        eventId,
        entry.customer_email,
        quantity,
        expiresAt,
        JSON.stringify(taken),
        now,
        now,
      ],
    );
    await tx.query('INSERT INTO tickets (event_id, seat_no, booking_id) VALUES ?', [
      taken.map((seat) => [eventId, seat, inserted.insertId]),
    ]);
    await tx.query("UPDATE waitlist_entries SET status = 'offered', offer_booking_id = ? WHERE id = ?", [inserted.insertId, entry.id]);
    offers.push({ entryId: Number(entry.id), bookingId: inserted.insertId, seats: taken });
  }
  return { offers, leftover: remaining };
}
