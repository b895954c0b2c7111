import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlTransaction } from '../../../src/platform/database/bounded-sql';
import { MysqlBookingsRepository } from '../../../src/domain/bookings/persistence/bookings.repository.mysql';
import {
  BookingEnd,
  ConfirmRefusal,
  CustomerLimitExceededError,
  EndedBooking,
  NewBooking,
} from '../../../src/domain/bookings/persistence/bookings.repository';
import type { StoredBooking } from '../../../src/domain/bookings/booking.model';
import { controlFaults } from './control-faults';

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
 *   or a seat beyond capacity;
 * - with CONTROL_FAULTS (control-faults.ts), on every strategy: a cancel that
 *   gives an ended booking's seats back again, a confirm that ignores the lapse.
 */
export class OverwritingBookingsRepository extends MysqlBookingsRepository {
  private readonly viaProcedure = process.env.UNSAFE_INSERT === 'call';
  /** UNSAFE_LIMIT_DELAY_MS (default UNSAFE_DELAY_MS) widens the naive check's count-then-insert window. */
  private readonly delayMs = Number(process.env.UNSAFE_LIMIT_DELAY_MS ?? process.env.UNSAFE_DELAY_MS ?? 0);
  private readonly faults = controlFaults();

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

  /** Seats each booking freed when it ended (for the `cancel-returns-ended-seats` fault: an ended booking has no tickets left to read them from). */
  private readonly freedBy = new Map<number, number[]>();

  override async end(id: number, to: BookingEnd, offerTtlMs: number): Promise<EndedBooking | null> {
    const ended = await super.end(id, to, offerTtlMs);
    if (!this.faults.has('cancel-returns-ended-seats') || !ended) return ended;
    if (ended.seatsFreed.length > 0) this.freedBy.set(id, ended.seatsFreed);
    // The fault: no check that the booking was still live, so ending it again (a client's retried DELETE) frees its seats again.
    return ended.seatsFreed.length > 0 ? ended : { ...ended, seatsFreed: this.freedBy.get(id) ?? [] };
  }

  override async confirmHold(id: number): Promise<StoredBooking | ConfirmRefusal> {
    if (!this.faults.has('confirm-ignores-lapse')) return super.confirmHold(id);
    // The fault: neither the hold's expires_at nor the sweeper's end is looked at, only that it is not cancelled.
    await this.sql.query("UPDATE bookings SET status = 'confirmed', expires_at = NULL WHERE id = ? AND status IN ('held', 'expired')", [
      id,
    ]);
    return (await this.findById(id)) ?? 'ended';
  }
}
