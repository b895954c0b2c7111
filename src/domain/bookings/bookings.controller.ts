import { applyDecorators, Body, Controller, Delete, Get, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ADMIN_SECURITY_SCHEME, AdminOnly } from '../../admin/auth/admin-only.decorator';
import { ApiQueueAdmissionHeader, QUEUE_CONFLICTS } from '../waiting-room/queue-admission.openapi';
import { QueueAdmissionInterceptor } from '../waiting-room/queue-admission.interceptor';
import { ParseIdPipe } from '../../platform/http/parse-id.pipe';
import {
  ApiErrorResponses,
  BODY_VALIDATION_ERROR,
  DEPENDENCY_UNAVAILABLE,
  JSON_BODY_ERRORS,
  SALE_STATE_CONFLICTS,
  SEAT_RESERVATION_UNAVAILABLE,
} from '../../platform/openapi/api-error-responses';
import { PerAddressRateLimit } from '../../platform/rate-limit/per-address-rate-limit';
import { ApiIdParam } from '../../platform/openapi/api-id-param';
import { AuthorizationHeader, BOOKING_SECRET_SCHEME, BookingAccessResolver } from './booking-access';
import type { BookingOutcome } from './booking-outcome';
import { BookingOutcomeInterceptor } from './booking-outcome.interceptor';
import { BookingsService } from './bookings.service';
import { BookingPageResponse, BookingResponse } from './dto/booking.response';
import { CreateBookingDto } from './dto/create-booking.dto';
import { ListBookingsQuery } from './dto/list-bookings.query';
import { IDEMPOTENCY_KEY_FORMAT, IdempotencyKey } from './idempotency-key.decorator';
import { OwnedBookingsService } from './owned-bookings.service';

/**
 * Owner or admin: the same 404 for a wrong or missing secret as for a reference that does not exist,
 * so these routes never answer 401 (that would tell a guesser the reference exists).
 */
const OwnerOrAdmin = () =>
  applyDecorators(
    ApiBearerAuth(BOOKING_SECRET_SCHEME),
    ApiBearerAuth(ADMIN_SECURITY_SCHEME),
    ApiParam({ name: 'reference', type: String, example: 'bk_3q2x9Yw1RkqO4m0bVd7c1A' }),
    ApiErrorResponses({
      404: 'BOOKING_NOT_FOUND: no such booking, or the Authorization header holds neither its secret nor the admin token',
      503: DEPENDENCY_UNAVAILABLE,
    }),
  );

const NO_SUCH_EVENT = 'EVENT_NOT_FOUND';

@ApiTags('bookings')
@Controller()
export class BookingsController {
  constructor(
    private readonly bookings: BookingsService,
    private readonly owned: OwnedBookingsService,
    private readonly access: BookingAccessResolver,
  ) {}

  @Post('events/:id/bookings')
  @PerAddressRateLimit()
  // The waiting room's admission step first (outermost): it sees the booking's final answer.
  @UseInterceptors(QueueAdmissionInterceptor, BookingOutcomeInterceptor)
  @ApiQueueAdmissionHeader()
  @ApiOperation({
    summary: 'Book seats',
    description:
      "Answers with the seats booked (201) or SOLD_OUT (409). The 201 carries the booking's `reference` and its `secret`, " +
      'shown once: keep it to read or cancel the booking. Contention never produces a "busy" answer: the request waits ' +
      'its turn within its deadline. 503 (with Retry-After) only when Redis or MySQL is down or refusing, or the deadline ' +
      'passed; nothing is booked then, except BOOKING_OUTCOME_UNKNOWN, where a retry with the same Idempotency-Key tells.',
  })
  @ApiIdParam()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY_FORMAT.source, minLength: 16, maxLength: 128 },
    description:
      'Replays with the same key book once and get the same answer. A booking (201) is replayed with the same reference ' +
      'and secret for IDEMPOTENCY_TTL_SECONDS and, from MySQL, after that too; it shows the booking as it is now (a ' +
      'cancelled booking replays as 201 with status `cancelled`). A refusal (409) is replayed for ' +
      'IDEMPOTENCY_ERROR_TTL_SECONDS, after which the key may try again. The same key with another body is refused (422) ' +
      "and leaves the key's answer untouched. The key derives the secret: use a random one (a UUID).",
    example: '0b6f5c1e-8d0e-4e55-9a57-0c6c4fd3a0a9',
  })
  @ApiCreatedResponse({ type: BookingResponse })
  @ApiErrorResponses(
    {
      400: `INVALID_ID, INVALID_IDEMPOTENCY_KEY, INVALID_INPUT (quantity above MAX_TICKETS_PER_BOOKING); ${BODY_VALIDATION_ERROR}`,
      404: NO_SUCH_EVENT,
      409: `SOLD_OUT (with \`available\` and \`requested\`), CUSTOMER_LIMIT_REACHED, ${SALE_STATE_CONFLICTS}, ${QUEUE_CONFLICTS}`,
      ...JSON_BODY_ERRORS,
      422: 'IDEMPOTENCY_KEY_REUSED: this key was used with another body',
      429: 'RATE_LIMITED: more than BOOKING_RATE_LIMIT bookings, holds and joins from this client in BOOKING_RATE_WINDOW_MS',
      503: SEAT_RESERVATION_UNAVAILABLE,
    },
    { retryAfter: [409] },
  )
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
  list(@Param('id', new ParseIdPipe()) eventId: number, @Query() query: ListBookingsQuery): Promise<BookingPageResponse> {
    return this.owned.listForEvent(eventId, query);
  }

  @Get('bookings/:reference')
  @OwnerOrAdmin()
  @ApiOperation({ summary: 'One booking (its owner or the admin)' })
  @ApiOkResponse({ type: BookingResponse, description: 'The booking, without its secret' })
  get(@Param('reference') reference: string, @AuthorizationHeader() authorization: string | undefined): Promise<BookingResponse> {
    return this.owned.get(reference, this.access.fromAuthorization(authorization));
  }

  @Delete('bookings/:reference')
  @OwnerOrAdmin()
  @ApiOperation({ summary: 'Cancel a booking; its seats go back on sale (its owner or the admin)' })
  @ApiOkResponse({ type: BookingResponse, description: 'The booking, status cancelled (also if it already was)' })
  cancel(@Param('reference') reference: string, @AuthorizationHeader() authorization: string | undefined): Promise<BookingResponse> {
    return this.owned.cancel(reference, this.access.fromAuthorization(authorization));
  }
}
