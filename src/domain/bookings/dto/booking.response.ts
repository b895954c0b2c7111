import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STRATEGY_NAMES } from '../../inventory/strategies/strategy-name';
import { Booking, BookingPage, BOOKING_STATUSES, BookingStatus } from '../booking.model';

export class BookingResponse {
  @ApiProperty({ example: 'bk_3q2x9Yw1RkqO4m0bVd7c1A', description: 'Public, unguessable reference of the booking' })
  reference: string;

  @ApiPropertyOptional({
    example: 'k4W0m2lS2n7oYQ1k2V3qv8m5t7mJm3y2W6fK9d1Qe0c',
    description:
      'Proves ownership: send it as `Authorization: Bearer <secret>` to read or cancel the booking. Returned only in the ' +
      '201 (and in replays of it with the same Idempotency-Key); the server keeps only its hash, so keep it safe.',
  })
  secret?: string;

  @ApiProperty({ type: 'integer', example: 1 }) eventId: number;
  @ApiProperty({ format: 'email', example: 'ada@example.com', description: 'Shown only to the owner and the admin' })
  customerEmail: string;
  @ApiProperty({ type: 'integer', minimum: 1, example: 2 }) quantity: number;
  @ApiProperty({ type: 'integer', isArray: true, example: [41, 42], description: 'Seat numbers, 1..capacity' }) seats: number[];
  @ApiProperty({
    enum: BOOKING_STATUSES,
    enumName: 'BookingStatus',
    example: 'confirmed',
    description: 'held → confirmed | released | expired; confirmed → cancelled',
  })
  status: BookingStatus;
  @ApiProperty({
    format: 'date-time',
    example: null,
    nullable: true,
    type: String,
    description: 'When a hold lapses (status held); null otherwise',
  })
  expiresAt: string | null;
  @ApiProperty({ enum: STRATEGY_NAMES, enumName: 'StrategyName', example: 'atomic', description: 'Strategy that took the seats' })
  strategy: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-22T10:00:00.000Z' }) createdAt: string;
  @ApiProperty({ format: 'date-time', example: null, nullable: true, type: String }) cancelledAt: string | null;

  /** `secret` only where the caller just made (or replayed) the booking; null leaves it out. */
  static from(b: Booking, secret: string | null): BookingResponse {
    return {
      reference: b.reference,
      ...(secret === null ? {} : { secret }),
      eventId: b.eventId,
      customerEmail: b.customerEmail,
      quantity: b.quantity,
      seats: b.seats,
      status: b.status,
      expiresAt: b.expiresAt ? b.expiresAt.toISOString() : null,
      strategy: b.strategy,
      createdAt: b.createdAt.toISOString(),
      cancelledAt: b.cancelledAt ? b.cancelledAt.toISOString() : null,
    };
  }
}

export class BookingPageResponse {
  @ApiProperty({ type: [BookingResponse] }) items: BookingResponse[];
  @ApiProperty({ nullable: true, type: String, example: 'MjA', description: 'Pass as ?cursor= for the next page; null on the last page' })
  nextCursor: string | null;

  /** Bookings listed to the admin: never with a secret. */
  static from(page: BookingPage): BookingPageResponse {
    return { items: page.items.map((b) => BookingResponse.from(b, null)), nextCursor: page.nextCursor };
  }
}
