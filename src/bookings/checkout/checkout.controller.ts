import { Body, Controller, Delete, Headers, HttpCode, Param, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiGoneResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponse } from '../../http/error.response';
import { ParseIdPipe } from '../../http/parse-id.pipe';
import { BOOKING_SECRET_SCHEME, BookingAccessResolver } from '../booking-access';
import type { BookingOutcome } from '../booking-outcome';
import { BookingOutcomeInterceptor } from '../booking-outcome.interceptor';
import { BookingsService } from '../bookings.service';
import { BookingResponse } from '../dto/booking.response';
import { CreateBookingDto } from '../dto/create-booking.dto';
import { IdempotencyKey } from '../idempotency-key.decorator';
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
  @UseGuards(ThrottlerGuard)
  @UseInterceptors(BookingOutcomeInterceptor)
  @ApiOperation({
    summary: 'Hold seats for checkout',
    description:
      'Takes seats with the event\'s strategy and holds them until `expiresAt` (CHECKOUT_HOLD_TTL_MS, or the event\'s ' +
      'checkoutHoldTtlMs). A held seat is unavailable everywhere. Confirm with POST /holds/{reference}/confirm, release with ' +
      'DELETE /holds/{reference}; unconfirmed, the seats return to sale (or to the waiting list) after expiresAt. ' +
      'Same answers, limits and Idempotency-Key rules as booking.',
  })
  @ApiParam({ name: 'id', type: Number, example: 1, description: 'Event id' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'As for bookings; a key used for a hold never replays as a booking' })
  @ApiCreatedResponse({ type: BookingResponse, description: 'status held, with reference, secret and expiresAt' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'SOLD_OUT, CUSTOMER_LIMIT_REACHED, SALE_NOT_OPEN (with opensAt and Retry-After), SALE_CLOSED, EVENT_CANCELLED' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such event' })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'A dependency is down or the deadline passed (Retry-After)' })
  hold(
    @Param('id', new ParseIdPipe()) eventId: number,
    @Body() body: CreateBookingDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<BookingOutcome> {
    return this.bookings.create(eventId, body, idempotencyKey, 'hold');
  }

  @Post('holds/:reference/confirm')
  @HttpCode(200)
  @ApiBearerAuth(BOOKING_SECRET_SCHEME)
  @HoldReference()
  @ApiOperation({ summary: "Confirm a hold: the same seats, now sold. Harmless twice. (The hold's owner, or the admin.)" })
  @ApiOkResponse({ type: BookingResponse, description: 'status confirmed' })
  @ApiGoneResponse({ type: ErrorResponse, description: 'HOLD_EXPIRED: its seats are back on sale, or about to be' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'HOLD_NOT_ACTIVE: released or cancelled' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'BOOKING_NOT_FOUND (also for a wrong secret)' })
  confirm(@Param('reference') reference: string, @Headers('authorization') authorization?: string): Promise<BookingResponse> {
    return this.owned.confirmHold(reference, this.access.fromAuthorization(authorization));
  }

  @Delete('holds/:reference')
  @ApiBearerAuth(BOOKING_SECRET_SCHEME)
  @HoldReference()
  @ApiOperation({ summary: 'Release a hold at once: its seats go to the waiting list or back on sale' })
  @ApiOkResponse({ type: BookingResponse, description: 'status released (a confirmed booking is cancelled instead)' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'BOOKING_NOT_FOUND (also for a wrong secret)' })
  release(@Param('reference') reference: string, @Headers('authorization') authorization?: string): Promise<BookingResponse> {
    return this.owned.cancel(reference, this.access.fromAuthorization(authorization), 'released');
  }
}
