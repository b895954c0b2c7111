import { Body, Controller, Delete, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ADMIN_SECURITY_SCHEME } from '../../../admin/auth/admin-only.decorator';
import { ApiQueueAdmissionHeader, QUEUE_CONFLICTS } from '../../waiting-room/queue-admission.openapi';
import { QueueAdmissionInterceptor } from '../../waiting-room/queue-admission.interceptor';
import { ParseIdPipe } from '../../../platform/http/parse-id.pipe';
import {
  ApiErrorResponses,
  BODY_VALIDATION_ERROR,
  DEPENDENCY_UNAVAILABLE,
  JSON_BODY_ERRORS,
  SALE_STATE_CONFLICTS,
  SEAT_RESERVATION_UNAVAILABLE,
} from '../../../platform/openapi/api-error-responses';
import { PerAddressRateLimit } from '../../../platform/rate-limit/per-address-rate-limit';
import { ApiIdParam } from '../../../platform/openapi/api-id-param';
import { AuthorizationHeader, BOOKING_SECRET_SCHEME, BookingAccessResolver } from '../booking-access';
import type { BookingOutcome } from '../booking-outcome';
import { BookingOutcomeInterceptor } from '../booking-outcome.interceptor';
import { BookingsService } from '../bookings.service';
import { BookingResponse } from '../dto/booking.response';
import { CreateBookingDto } from '../dto/create-booking.dto';
import { IDEMPOTENCY_KEY_FORMAT, IdempotencyKey } from '../idempotency-key.decorator';
import { OwnedBookingsService } from '../owned-bookings.service';

const HoldReference = () => ApiParam({ name: 'reference', type: String, example: 'bk_3q2x9Yw1RkqO4m0bVd7c1A' });

/**
 * Checkout in two steps: hold seats while the buyer pays, then confirm (or
 * release; or let the hold expire and the seats return to sale).
 */
@ApiTags('checkout')
@Controller()
export class CheckoutController {
  constructor(
    private readonly bookings: BookingsService,
    private readonly owned: OwnedBookingsService,
    private readonly access: BookingAccessResolver,
  ) {}

  @Post('events/:id/holds')
  @PerAddressRateLimit()
  // The waiting room's admission step first (outermost): it sees the booking's final answer.
  @UseInterceptors(QueueAdmissionInterceptor, BookingOutcomeInterceptor)
  @ApiQueueAdmissionHeader()
  @ApiOperation({
    summary: 'Hold seats for checkout',
    description:
      "Takes seats with the event's strategy and holds them until `expiresAt` (CHECKOUT_HOLD_TTL_MS, or the event's " +
      'checkoutHoldTtlMs). A held seat is unavailable everywhere. Confirm with POST /holds/{reference}/confirm, release with ' +
      'DELETE /holds/{reference}; unconfirmed, the seats return to sale (or to the waiting list) after expiresAt. ' +
      'Same answers, limits and Idempotency-Key rules as booking.',
  })
  @ApiIdParam()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY_FORMAT.source, minLength: 16, maxLength: 128 },
    description: 'As for bookings; a key used for a hold never replays as a booking',
  })
  @ApiCreatedResponse({ type: BookingResponse, description: 'status held, with reference, secret and expiresAt' })
  @ApiErrorResponses(
    {
      400: `INVALID_ID, INVALID_IDEMPOTENCY_KEY, INVALID_INPUT (quantity above MAX_TICKETS_PER_BOOKING); ${BODY_VALIDATION_ERROR}`,
      404: 'EVENT_NOT_FOUND',
      409: `SOLD_OUT, CUSTOMER_LIMIT_REACHED, ${SALE_STATE_CONFLICTS}, ${QUEUE_CONFLICTS}`,
      ...JSON_BODY_ERRORS,
      422: 'IDEMPOTENCY_KEY_REUSED: this key was used with another body',
      429: 'RATE_LIMITED: more than BOOKING_RATE_LIMIT bookings, holds and joins from this client in BOOKING_RATE_WINDOW_MS',
      503: SEAT_RESERVATION_UNAVAILABLE,
    },
    { retryAfter: [409] },
  )
  hold(
    @Param('id', new ParseIdPipe()) eventId: number,
    @Body() body: CreateBookingDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<BookingOutcome> {
    return this.bookings.create(eventId, body, idempotencyKey, 'hold');
  }

  @Post('holds/:reference/confirm')
  @HttpCode(200)
  // Decorators apply bottom-up: listed as the owner's secret first, then the admin token.
  @ApiBearerAuth(ADMIN_SECURITY_SCHEME)
  @ApiBearerAuth(BOOKING_SECRET_SCHEME)
  @HoldReference()
  @ApiOperation({ summary: "Confirm a hold: the same seats, now sold. Harmless twice. (The hold's owner, or the admin.)" })
  @ApiOkResponse({ type: BookingResponse, description: 'status confirmed' })
  @ApiErrorResponses({
    404: 'BOOKING_NOT_FOUND (also for a wrong or missing secret: these routes never answer 401)',
    409: 'HOLD_NOT_ACTIVE: released or cancelled; EVENT_CANCELLED: the event was cancelled (MySQL refuses the confirmation)',
    410: 'HOLD_EXPIRED: its seats are back on sale, or about to be',
    503: DEPENDENCY_UNAVAILABLE,
  })
  confirm(@Param('reference') reference: string, @AuthorizationHeader() authorization: string | undefined): Promise<BookingResponse> {
    return this.owned.confirmHold(reference, this.access.fromAuthorization(authorization));
  }

  @Delete('holds/:reference')
  @ApiBearerAuth(ADMIN_SECURITY_SCHEME)
  @ApiBearerAuth(BOOKING_SECRET_SCHEME)
  @HoldReference()
  @ApiOperation({ summary: 'Release a hold at once: its seats go to the waiting list or back on sale' })
  @ApiOkResponse({ type: BookingResponse, description: 'status released (a confirmed booking is cancelled instead)' })
  @ApiErrorResponses({
    404: 'BOOKING_NOT_FOUND (also for a wrong or missing secret: these routes never answer 401)',
    503: DEPENDENCY_UNAVAILABLE,
  })
  release(@Param('reference') reference: string, @AuthorizationHeader() authorization: string | undefined): Promise<BookingResponse> {
    return this.owned.cancel(reference, this.access.fromAuthorization(authorization), 'released');
  }
}
