import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../../../platform/http/parse-id.pipe';
import { BookingAccess, CallerAccess } from '../booking-access';
import type { BookingOutcome } from '../booking-outcome';
import { BookingsService } from '../bookings.service';
import { BookingResponse } from '../dto/booking.response';
import { CreateBookingDto } from '../dto/create-booking.dto';
import { IdempotencyKey } from '../idempotency-key.decorator';
import { OwnedBookingsService } from '../owned-bookings.service';
import { OwnerOrAdmin } from '../owner-or-admin.decorator';
import { TakesSeats } from '../takes-seats.decorator';

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
  ) {}

  @Post('events/:id/holds')
  @TakesSeats('As for bookings; a key used for a hold never replays as a booking')
  @ApiOperation({
    summary: 'Hold seats for checkout',
    description:
      "Takes seats with the event's strategy and holds them until `expiresAt` (CHECKOUT_HOLD_TTL_MS, or the event's " +
      'checkoutHoldTtlMs). A held seat is unavailable everywhere. Confirm with POST /holds/{reference}/confirm, release with ' +
      'DELETE /holds/{reference}; unconfirmed, the seats return to sale (or to the waiting list) after expiresAt. ' +
      'Same answers, limits and Idempotency-Key rules as booking.',
  })
  @ApiCreatedResponse({ type: BookingResponse, description: 'status held, with reference, secret and expiresAt' })
  hold(
    @Param('id', new ParseIdPipe()) eventId: number,
    @Body() body: CreateBookingDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<BookingOutcome> {
    return this.bookings.create(eventId, body, idempotencyKey, 'hold');
  }

  @Post('holds/:reference/confirm')
  @HttpCode(200)
  @OwnerOrAdmin({
    record: 'booking',
    scope: 'events',
    audit: 'hold.confirm',
    errors: {
      409: 'HOLD_NOT_ACTIVE: released or cancelled; EVENT_CANCELLED: the event was cancelled (MySQL refuses the confirmation)',
      410: 'HOLD_EXPIRED: its seats are back on sale, or about to be',
    },
  })
  @ApiOperation({ summary: "Confirm a hold: the same seats, now sold. Harmless twice. (The hold's owner, or an admin.)" })
  @ApiOkResponse({ type: BookingResponse, description: 'status confirmed' })
  async confirm(@Param('reference') reference: string, @CallerAccess() access: BookingAccess): Promise<BookingResponse> {
    return BookingResponse.from(await this.owned.confirmHold(reference, access), null);
  }

  @Delete('holds/:reference')
  @OwnerOrAdmin({ record: 'booking', scope: 'events', audit: 'hold.release' })
  @ApiOperation({ summary: "Release a hold at once: its seats go to the waiting list or back on sale (the hold's owner, or an admin)" })
  @ApiOkResponse({ type: BookingResponse, description: 'status released (a confirmed booking is cancelled instead)' })
  async release(@Param('reference') reference: string, @CallerAccess() access: BookingAccess): Promise<BookingResponse> {
    return BookingResponse.from(await this.owned.cancel(reference, access, 'released'), null);
  }
}
