import { Body, Controller, Delete, Get, Headers, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponse } from '../../http/error.response';
import { ParseIdPipe } from '../../http/parse-id.pipe';
import { BOOKING_SECRET_SCHEME, BookingAccessResolver } from '../booking-access';
import { CreateBookingDto } from '../dto/create-booking.dto';
import { WaitlistEntryResponse } from './waitlist.dto';
import { WaitlistService } from './waitlist.service';

const EntryReference = () => ApiParam({ name: 'reference', type: String, example: 'wl_3q2x9Yw1RkqO4m0bVd7c1A' });

@ApiTags('waitlist')
@Controller()
export class WaitlistController {
  constructor(
    private readonly waitlist: WaitlistService,
    private readonly access: BookingAccessResolver,
  ) {}

  @Post('events/:id/waitlist')
  @ApiOperation({
    summary: 'Join the waiting list of a sold-out event',
    description:
      'Seats that come back (cancellations, released or expired holds, more capacity) are offered in order, as a hold ' +
      'for the entry (WAITLIST_OFFER_TTL_MS); the entry shows it, and its secret confirms it. An entry asking for more ' +
      'seats than came back keeps its place for the next return; entries behind it that fit are served meanwhile.',
  })
  @ApiParam({ name: 'id', type: Number, example: 1, description: 'Event id' })
  @ApiCreatedResponse({ type: WaitlistEntryResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'SEATS_AVAILABLE (book instead), SALE_CLOSED, EVENT_CANCELLED' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such event' })
  join(@Param('id', new ParseIdPipe()) eventId: number, @Body() body: CreateBookingDto): Promise<WaitlistEntryResponse> {
    return this.waitlist.join(eventId, body.customerEmail, body.quantity);
  }

  @Get('waitlist/:reference')
  @ApiBearerAuth(BOOKING_SECRET_SCHEME)
  @EntryReference()
  @ApiOperation({ summary: 'A waiting-list entry, its position and its offer (its owner or the admin)' })
  @ApiOkResponse({ type: WaitlistEntryResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'WAITLIST_ENTRY_NOT_FOUND (also for a wrong secret)' })
  get(@Param('reference') reference: string, @Headers('authorization') authorization?: string): Promise<WaitlistEntryResponse> {
    return this.waitlist.get(reference, this.access.fromAuthorization(authorization));
  }

  @Delete('waitlist/:reference')
  @ApiBearerAuth(BOOKING_SECRET_SCHEME)
  @EntryReference()
  @ApiOperation({ summary: 'Leave the waiting list (and release the hold offered, if any)' })
  @ApiOkResponse({ type: WaitlistEntryResponse, description: 'status left' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'WAITLIST_ENTRY_NOT_FOUND (also for a wrong secret)' })
  leave(@Param('reference') reference: string, @Headers('authorization') authorization?: string): Promise<WaitlistEntryResponse> {
    return this.waitlist.leave(reference, this.access.fromAuthorization(authorization));
  }
}
