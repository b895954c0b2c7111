import { seatKeys } from '../../src/domain/inventory/seat-keys';
import type { SaleState } from './sale-invariants';

/** Any way of running a parameterised SELECT (mysql2 pool, TypeORM query runner). */
export type RowsQuery = <T>(sql: string, params: unknown[]) => Promise<T[]>;

/** Only what reading the free pool needs, so a test or bench client fits. */
export interface FreePoolReader {
  // ioredis 6 types ZRANGE's stop as a string only (one signature for index, score and lex bounds).
  zrange(key: string, start: number, stop: string): Promise<string[]>;
}

/**
 * What MySQL (and, when given, Redis) holds for one event after a sale: the
 * inputs of `saleViolations` that come from storage rather than from buyers.
 */
export async function readSaleState(
  query: RowsQuery,
  eventId: number,
  redis?: FreePoolReader,
): Promise<Pick<SaleState, 'tickets' | 'bookings' | 'freeSeats'>> {
  const tickets = await query<{ seat_no: number; booking_id: number }>('SELECT seat_no, booking_id FROM tickets WHERE event_id = ?', [
    eventId,
  ]);
  const bookings = (
    await query<{ reference: string; quantity: number; seats: string }>(
      "SELECT reference, quantity, seats FROM bookings WHERE event_id = ? AND status IN ('confirmed', 'held')",
      [eventId],
    )
  ).map((b) => ({ reference: b.reference, quantity: Number(b.quantity), seats: JSON.parse(b.seats) as number[] }));
  const freeSeats = redis ? (await redis.zrange(seatKeys(eventId).free, 0, '-1')).map(Number) : null;
  return { tickets: tickets.map((t) => ({ seat_no: Number(t.seat_no), booking_id: Number(t.booking_id) })), bookings, freeSeats };
}
