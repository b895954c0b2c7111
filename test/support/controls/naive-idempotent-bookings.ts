import { Injectable } from '@nestjs/common';
import type { BookingOutcome } from '../../../src/domain/bookings/booking-outcome';
import { IdempotentBookings } from '../../../src/domain/bookings/idempotent-bookings';
import type { Deadline } from '../../../src/platform/concurrency/deadline';

/**
 * Proof 6's control (CONTROL_FAULTS=naive-idempotency): no claim on the key,
 * so concurrent requests with one key each run the use case, which looks the
 * key up in MySQL and books if nothing is there yet: check, then act. Only
 * MySQL's unique index on the key would still stop the duplicates, so the
 * control runs on the unguarded database, which lacks it.
 */
@Injectable()
export class NaiveIdempotentBookings extends IdempotentBookings {
  override run(
    _eventId: number,
    _keyHash: string,
    _requestHash: string,
    _deadline: Deadline,
    book: () => Promise<BookingOutcome>,
  ): Promise<BookingOutcome> {
    return book();
  }
}
