import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlTransaction } from '../../../src/platform/database/bounded-sql';
import { MysqlBookingsRepository } from '../../../src/domain/bookings/persistence/bookings.repository.mysql';
import { CustomerLimitExceededError, NewBooking } from '../../../src/domain/bookings/persistence/bookings.repository';

/**
 * For the `unsafe` control group only (every other strategy gets the
 * production repository's behaviour):
 * - the per-customer limit is a naive check (count, then insert, nothing
 *   locked in between), which concurrent bookings of one customer race past;
 * - on the shared test database, a double seat overwrites the ticket instead
 *   of being refused, so the tests see what a system without the primary key's
 *   protection would store (statement by statement: that ticket insert is overridable);
 * - with UNSAFE_INSERT=call (the control app on the unguarded database, see
 *   unguarded-db.ts), bookings go through the app's own one-call procedure,
 *   `CALL insert_booking`, and nothing but the missing guards stops a double seat
 *   or a seat beyond capacity.
 */
export class OverwritingBookingsRepository extends MysqlBookingsRepository {
  private readonly viaProcedure = process.env.UNSAFE_INSERT === 'call';
  /** UNSAFE_LIMIT_DELAY_MS (default UNSAFE_DELAY_MS) widens the naive check's count-then-insert window. */
  private readonly delayMs = Number(process.env.UNSAFE_LIMIT_DELAY_MS ?? process.env.UNSAFE_DELAY_MS ?? 0);

  protected override inOneCall(booking: NewBooking): boolean {
    if (booking.strategy !== 'unsafe') return super.inOneCall(booking);
    return this.viaProcedure && super.inOneCall(booking);
  }

  protected override ticketInsert(booking: NewBooking): string {
    const insert = super.ticketInsert(booking);
    return booking.strategy === 'unsafe' ? `${insert} ON DUPLICATE KEY UPDATE booking_id = VALUES(booking_id)` : insert;
  }

  protected override async claimCustomerQuota(tx: SqlTransaction, b: NewBooking, limit: number): Promise<void> {
    if (b.strategy !== 'unsafe') return super.claimCustomerQuota(tx, b, limit);
    // No lock on the customer's row: every concurrent booking counts what was committed before any of them.
    const held = await tx.query<{ total: string | null }[]>(
      "SELECT SUM(quantity) AS total FROM bookings WHERE event_id = ? AND customer_email = ? AND status IN ('confirmed', 'held')",
      [b.eventId, b.customerEmail],
    );
    if (Number(held[0]?.total ?? 0) + b.quantity > limit) throw new CustomerLimitExceededError();
    if (this.delayMs > 0) await sleep(this.delayMs);
  }
}
