import { applyDecorators, Body, Controller, Delete, Get, Headers, Param, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AdminOnly } from '../auth/admin-only.decorator';
import { ErrorResponse } from '../http/error.response';
import { ParseIdPipe } from '../http/parse-id.pipe';
import { BOOKING_SECRET_SCHEME, BookingAccessResolver } from './booking-access';
import type { BookingOutcome } from './booking-outcome';
import { BookingOutcomeInterceptor } from './booking-outcome.interceptor';
import { BookingsService } from './bookings.service';
import { BookingPageResponse, BookingResponse } from './dto/booking.response';
import { CreateBookingDto } from './dto/create-booking.dto';
import { ListBookingsQuery } from './dto/list-bookings.query';
import { IdempotencyKey } from './idempotency-key.decorator';
import { OwnedBookingsService } from './owned-bookings.service';

/** Owner or admin: the same 404 for a wrong secret as for a reference that does not exist. */
const OwnerOrAdmin = () =>
  applyDecorators(
    ApiBearerAuth(BOOKING_SECRET_SCHEME),
    ApiParam({ name: 'reference', type: String, example: 'bk_3q2x9Yw1RkqO4m0bVd7c1A' }),
    ApiNotFoundResponse({
      type: ErrorResponse,
      description: 'BOOKING_NOT_FOUND: no such booking, or the Authorization header holds neither its secret nor the admin token',
    }),
  );

@ApiTags('bookings')
@ApiBadRequestResponse({ description: 'Invalid input; nothing was written', type: ErrorResponse })
@Controller()
export class BookingsController {
  constructor(
    private readonly bookings: BookingsService,
    private readonly owned: OwnedBookingsService,
    private readonly access: BookingAccessResolver,
  ) {}

  @Post('events/:id/bookings')
  @UseGuards(ThrottlerGuard)
  @UseInterceptors(BookingOutcomeInterceptor)
  @ApiOperation({
    summary: 'Book seats',
    description:
      'Answers with the seats booked (201) or SOLD_OUT (409). The 201 carries the booking\'s `reference` and its `secret`, ' +
      'shown once: keep it to read or cancel the booking. Contention never produces a "busy" answer: the request waits ' +
      'its turn within its deadline. 503 (with Retry-After) only when Redis or MySQL is down or refusing, or the deadline ' +
      'passed; nothing is booked then, except BOOKING_OUTCOME_UNKNOWN, where a retry with the same Idempotency-Key tells.',
  })
  @ApiParam({ name: 'id', type: Number, example: 1, description: 'Event id' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Replays with the same key book once and get the same answer. A booking (201) is replayed with the same reference ' +
      'and secret for IDEMPOTENCY_TTL_SECONDS and, from MySQL, after that too; it shows the booking as it is now (a ' +
      'cancelled booking replays as 201 with status `cancelled`). A refusal (409) is replayed for ' +
      'IDEMPOTENCY_ERROR_TTL_SECONDS, after which the key may try again. The same key with another body is refused (422) ' +
      'and leaves the key\'s answer untouched. The key derives the secret: use a random one (a UUID).',
    example: '0b6f5c1e-8d0e-4e55-9a57-0c6c4fd3a0a9',
  })
  @ApiCreatedResponse({ type: BookingResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'SOLD_OUT (with `available`), or CUSTOMER_LIMIT_REACHED' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such event' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponse, description: 'IDEMPOTENCY_KEY_REUSED' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponse,
    description: 'RATE_LIMITED: more than BOOKING_RATE_LIMIT requests from this client in BOOKING_RATE_WINDOW_MS (with Retry-After)',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponse,
    description: 'MYSQL_UNAVAILABLE, REDIS_UNAVAILABLE, LOCK_QUORUM_UNAVAILABLE, DEADLINE_EXCEEDED, INVENTORY_UNSETTLED, BOOKING_OUTCOME_UNKNOWN (with Retry-After)',
  })
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
  @ApiParam({ name: 'id', type: Number, example: 1, description: 'Event id' })
  @ApiOkResponse({ type: BookingPageResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such event' })
  list(@Param('id', new ParseIdPipe()) eventId: number, @Query() query: ListBookingsQuery): Promise<BookingPageResponse> {
    return this.owned.listForEvent(eventId, query);
  }

  @Get('bookings/:reference')
  @OwnerOrAdmin()
  @ApiOperation({ summary: 'One booking (its owner or the admin)' })
  @ApiOkResponse({ type: BookingResponse, description: 'The booking, without its secret' })
  get(@Param('reference') reference: string, @Headers('authorization') authorization?: string): Promise<BookingResponse> {
    return this.owned.get(reference, this.access.fromAuthorization(authorization));
  }

  @Delete('bookings/:reference')
  @OwnerOrAdmin()
  @ApiOperation({ summary: 'Cancel a booking; its seats go back on sale (its owner or the admin)' })
  @ApiOkResponse({ type: BookingResponse, description: 'The booking, status cancelled (also if it already was)' })
  cancel(@Param('reference') reference: string, @Headers('authorization') authorization?: string): Promise<BookingResponse> {
    return this.owned.cancel(reference, this.access.fromAuthorization(authorization));
  }
}
