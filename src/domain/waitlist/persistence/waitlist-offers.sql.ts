import type { SqlTransaction } from '../../../platform/database/bounded-sql';
import { newReference } from '../../bookings/booking-credentials';

/** Seats offered to one waiting-list entry, as a hold made for it. */
export interface WaitlistOffer {
  entryId: number;
  bookingId: number;
  seats: number[];
}

/**
 * The event's row with a shared lock: the first lock of every transaction
 * that writes bookings or offers of an event (a cancel takes it exclusively,
 * then the bookings), so the two never wait for each other in opposite orders.
 */
export async function lockEventShared(tx: SqlTransaction, eventId: number): Promise<{ cancelled: boolean; maxPerCustomer: number | null }> {
  const rows = await tx.query<{ cancelled_at: Date | null; max_per_customer: number | null }[]>(
    'SELECT cancelled_at, max_per_customer FROM events WHERE id = ? LOCK IN SHARE MODE',
    [eventId],
  );
  const row = rows[0];
  return {
    cancelled: !row || row.cancelled_at !== null,
    maxPerCustomer: row?.max_per_customer == null ? null : Number(row.max_per_customer),
  };
}

type WaitingEntry = { id: number; secret_hash: string; customer_email: string; quantity: number };

/**
 * Seats that just came free (cancellation, released or expired hold, more
 * capacity) go to the event's waiting list first, inside the transaction that
 * freed them, so they never reach the pool in between: the first waiting
 * entry they fit gets a hold of its quantity (secret = the entry's secret,
 * strategy `waitlist`, expiring after `offerTtlMs`), then the next one they
 * fit, in order of joining, however long the list. An entry asking for more
 * seats than are left keeps its place for the next seats that come back (seats
 * come back one booking at a time: waiting for enough to gather would leave
 * them idle); so does one whose customer would pass the event's
 * maxPerCustomer with the offer (bookings, holds and offers count together).
 * What no entry can take goes back on general sale; for a cancelled event,
 * nothing goes anywhere (its pool is closed).
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
  const event = await lockEventShared(tx, eventId);
  if (event.cancelled) return { offers, leftover: [] };
  const now = new Date(Math.floor(Date.now()));
  const expiresAt = new Date(now.getTime() + offerTtlMs);
  // Entries are visited in order, once each: one skipped now cannot fit later in this round (fewer seats remain).
  for (let afterId = 0; remaining.length > 0;) {
    const [entry] = await tx.query<WaitingEntry[]>(
      `SELECT id, secret_hash, customer_email, quantity FROM waitlist_entries
       WHERE event_id = ? AND status = 'waiting' AND id > ? AND quantity <= ? ORDER BY id LIMIT 1 FOR UPDATE`,
      [eventId, afterId, remaining.length],
    );
    if (!entry) break;
    afterId = Number(entry.id);
    const quantity = Number(entry.quantity);
    if (event.maxPerCustomer !== null && (await liveSeatsOf(tx, eventId, entry.customer_email)) + quantity > event.maxPerCustomer) continue;
    const taken = remaining.splice(0, quantity);
    const inserted = await tx.query<{ insertId: number }>(
      `INSERT INTO bookings (reference, secret_hash, event_id, customer_email, quantity, status, expires_at, strategy, seats, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'held', ?, 'waitlist', ?, ?, ?)`,
      [newReference(), entry.secret_hash, eventId, entry.customer_email, quantity, expiresAt, JSON.stringify(taken), now, now],
    );
    await tx.query('INSERT INTO tickets (event_id, seat_no, booking_id) VALUES ?', [
      taken.map((seat) => [eventId, seat, inserted.insertId]),
    ]);
    await tx.query("UPDATE waitlist_entries SET status = 'offered', offer_booking_id = ? WHERE id = ?", [inserted.insertId, entry.id]);
    offers.push({ entryId: Number(entry.id), bookingId: inserted.insertId, seats: taken });
  }
  return { offers, leftover: remaining };
}

/** Seats the customer has live in the event: confirmed bookings, holds and offers (offers are holds). */
async function liveSeatsOf(tx: SqlTransaction, eventId: number, customerEmail: string): Promise<number> {
  const rows = await tx.query<{ total: string | null }[]>(
    "SELECT SUM(quantity) AS total FROM bookings WHERE event_id = ? AND customer_email = ? AND status IN ('confirmed', 'held')",
    [eventId, customerEmail],
  );
  return Number(rows[0]?.total ?? 0);
}
