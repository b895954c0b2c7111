import { MysqlBookingsRepository } from '../../../src/bookings/persistence/bookings.repository.mysql';
import type { NewBooking } from '../../../src/bookings/persistence/bookings.repository';

/**
 * For the `unsafe` control group only: a double seat overwrites the ticket
 * instead of being refused, so the tests see what a system without the
 * primary key's protection would store.
 */
export class OverwritingBookingsRepository extends MysqlBookingsRepository {
  // The control group's bookings take the statement-by-statement path, whose ticket insert is overridable.
  protected override inOneCall(booking: NewBooking): boolean {
    return booking.strategy !== 'unsafe' && super.inOneCall(booking);
  }

  protected override ticketInsert(booking: NewBooking): string {
    const insert = super.ticketInsert(booking);
    return booking.strategy === 'unsafe' ? `${insert} ON DUPLICATE KEY UPDATE booking_id = VALUES(booking_id)` : insert;
  }
}
