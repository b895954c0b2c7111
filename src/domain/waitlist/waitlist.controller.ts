import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../../platform/http/parse-id.pipe';
import {
  ApiErrorResponses,
  BODY_VALIDATION_ERROR,
  DEPENDENCY_UNAVAILABLE,
  JSON_BODY_ERRORS,
} from '../../platform/openapi/api-error-responses';
import { PerAddressRateLimit } from '../../platform/rate-limit/per-address-rate-limit';
import { ApiIdParam } from '../../platform/openapi/api-id-param';
import { BookingAccess, CallerAccess } from '../bookings/booking-access';
import { OwnerOrAdmin } from '../bookings/owner-or-admin.decorator';
import { CreateBookingDto } from '../bookings/dto/create-booking.dto';
import { WaitlistEntryResponse } from './waitlist.dto';
import { WaitlistService } from './waitlist.service';

@ApiTags('waitlist')
@Controller()
export class WaitlistController {
  constructor(private readonly waitlist: WaitlistService) {}

  @Post('events/:id/waitlist')
  @PerAddressRateLimit()
  @ApiOperation({
    summary: 'Join the waiting list of a sold-out event',
    description:
      'Seats that come back (cancellations, released or expired holds, more capacity) are offered in order, as a hold ' +
      'for the entry (WAITLIST_OFFER_TTL_MS); the entry shows it, and its secret confirms it. An entry asking for more ' +
      'seats than came back keeps its place for the next return; entries behind it that fit are served meanwhile. ' +
      'One live entry per customer and event; at most WAITLIST_MAX_ENTRIES_PER_EVENT live entries per event; the ' +
      "customer's booked, held and offered seats plus the entry's count against maxPerCustomer. Joins spend the same " +
      'per-address budget as bookings and holds.',
  })
  @ApiIdParam()
  @ApiCreatedResponse({ type: WaitlistEntryResponse })
  @ApiErrorResponses({
    400: `INVALID_ID, INVALID_INPUT; ${BODY_VALIDATION_ERROR}`,
    404: 'EVENT_NOT_FOUND',
    409:
      'SEATS_AVAILABLE (with `available`: book instead), SALE_CLOSED (with `closedAt`), EVENT_CANCELLED, ' +
      'WAITLIST_ALREADY_JOINED, WAITLIST_FULL (with `maxEntries`), CUSTOMER_LIMIT_REACHED',
    ...JSON_BODY_ERRORS,
    429: 'RATE_LIMITED: more than BOOKING_RATE_LIMIT bookings, holds and joins from this client in BOOKING_RATE_WINDOW_MS',
    503: DEPENDENCY_UNAVAILABLE,
  })
  async join(@Param('id', new ParseIdPipe()) eventId: number, @Body() body: CreateBookingDto): Promise<WaitlistEntryResponse> {
    return WaitlistEntryResponse.from(await this.waitlist.join(eventId, body.customerEmail, body.quantity));
  }

  @Get('waitlist/:reference')
  @OwnerOrAdmin({ record: 'waitlist-entry', scope: 'read' })
  @ApiOperation({ summary: 'A waiting-list entry, its position and its offer (its owner or an admin)' })
  @ApiOkResponse({ type: WaitlistEntryResponse })
  async get(@Param('reference') reference: string, @CallerAccess() access: BookingAccess): Promise<WaitlistEntryResponse> {
    return WaitlistEntryResponse.from(await this.waitlist.get(reference, access));
  }

  @Delete('waitlist/:reference')
  @OwnerOrAdmin({ record: 'waitlist-entry', scope: 'events', audit: 'waitlist.leave' })
  @ApiOperation({ summary: 'Leave the waiting list and release the hold offered, if any (its owner or an admin)' })
  @ApiOkResponse({ type: WaitlistEntryResponse, description: 'status left' })
  async leave(@Param('reference') reference: string, @CallerAccess() access: BookingAccess): Promise<WaitlistEntryResponse> {
    return WaitlistEntryResponse.from(await this.waitlist.leave(reference, access));
  }
}
