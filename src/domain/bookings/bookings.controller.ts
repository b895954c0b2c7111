import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../admin/auth/admin-only.decorator';
import { ParseIdPipe } from '../../platform/http/parse-id.pipe';
import { ApiErrorResponses, DEPENDENCY_UNAVAILABLE } from '../../platform/openapi/api-error-responses';
import { ApiIdParam } from '../../platform/openapi/api-id-param';
import { BookingAccess, CallerAccess } from './booking-access';
import type { BookingOutcome } from './booking-outcome';
import { BookingsService } from './bookings.service';
import { BookingPageResponse, BookingResponse } from './dto/booking.response';
import { CreateBookingDto } from './dto/create-booking.dto';
import { ListBookingsQuery } from './dto/list-bookings.query';
import { IdempotencyKey } from './idempotency-key.decorator';
import { OwnedBookingsService } from './owned-bookings.service';
import { OwnerOrAdmin } from './owner-or-admin.decorator';
import { TakesSeats } from './takes-seats.decorator';

const NO_SUCH_EVENT = 'EVENT_NOT_FOUND';

@ApiTags('bookings')
@Controller()
export class BookingsController {
  constructor(
    private readonly bookings: BookingsService,
    private readonly owned: OwnedBookingsService,
  ) {}

  @Post('events/:id/bookings')
  @TakesSeats(
    'Replays with the same key book once and get the same answer. A booking (201) is replayed with the same reference ' +
      'and secret for IDEMPOTENCY_TTL_SECONDS and, from MySQL, after that too; it shows the booking as it is now (a ' +
      'cancelled booking replays as 201 with status `cancelled`). A refusal (409) is replayed for ' +
      'IDEMPOTENCY_ERROR_TTL_SECONDS, after which the key may try again. The same key with another body is refused (422) ' +
      "and leaves the key's answer untouched. The key derives the secret: use a random one (a UUID).",
  )
  @ApiOperation({
    summary: 'Book seats',
    description:
      "Answers with the seats booked (201) or SOLD_OUT (409). The 201 carries the booking's `reference` and its `secret`, " +
      'shown once: keep it to read or cancel the booking. Contention never produces a "busy" answer: the request waits ' +
      'its turn within its deadline. 503 (with Retry-After) only when Redis or MySQL is down or refusing, or the deadline ' +
      'passed; nothing is booked then, except BOOKING_OUTCOME_UNKNOWN, where a retry with the same Idempotency-Key tells.',
  })
  @ApiCreatedResponse({ type: BookingResponse })
  create(
    @Param('id', new ParseIdPipe()) eventId: number,
    @Body() body: CreateBookingDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<BookingOutcome> {
    return this.bookings.create(eventId, body, idempotencyKey);
  }

  @Get('events/:id/bookings')
  @AdminOnly()
  @ApiOperation({ summary: "An event's bookings, oldest first, a page at a time (admin)" })
  @ApiIdParam()
  @ApiOkResponse({ type: BookingPageResponse })
  @ApiErrorResponses({
    400: 'INVALID_ID, VALIDATION_FAILED (status, email, limit) or INVALID_INPUT (a cursor this API did not return)',
    404: NO_SUCH_EVENT,
    503: DEPENDENCY_UNAVAILABLE,
  })
  async list(@Param('id', new ParseIdPipe()) eventId: number, @Query() query: ListBookingsQuery): Promise<BookingPageResponse> {
    return BookingPageResponse.from(await this.owned.listForEvent(eventId, query));
  }

  @Get('bookings/:reference')
  @OwnerOrAdmin({ record: 'booking', scope: 'read' })
  @ApiOperation({ summary: 'One booking (its owner or an admin)' })
  @ApiOkResponse({ type: BookingResponse, description: 'The booking, without its secret' })
  async get(@Param('reference') reference: string, @CallerAccess() access: BookingAccess): Promise<BookingResponse> {
    return BookingResponse.from(await this.owned.get(reference, access), null);
  }

  @Delete('bookings/:reference')
  @OwnerOrAdmin({ record: 'booking', scope: 'events', audit: 'booking.cancel' })
  @ApiOperation({ summary: 'Cancel a booking; its seats go back on sale (its owner or an admin)' })
  @ApiOkResponse({ type: BookingResponse, description: 'The booking, status cancelled (also if it already was)' })
  async cancel(@Param('reference') reference: string, @CallerAccess() access: BookingAccess): Promise<BookingResponse> {
    return BookingResponse.from(await this.owned.cancel(reference, access), null);
  }
}
