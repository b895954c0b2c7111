import { Body, Controller, Get, Param, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthorizationHeader } from '../bookings/booking-access';
import { ParseIdPipe } from '../../platform/http/parse-id.pipe';
import {
  ApiErrorResponses,
  BODY_VALIDATION_ERROR,
  DEPENDENCY_UNAVAILABLE,
  JSON_BODY_ERRORS,
} from '../../platform/openapi/api-error-responses';
import { ApiIdParam } from '../../platform/openapi/api-id-param';
import { PerAddressRateLimit } from '../../platform/rate-limit/per-address-rate-limit';
import { JoinQueueDto } from './dto/join-queue.dto';
import { QueueStatusResponse, QueueTicketResponse } from './dto/queue-status.response';
import { QUEUE_STATUS_CACHE_CONTROL, QueueStatusEtagInterceptor } from './queue-status-etag.interceptor';
import { ApiNotModified, ETAG_HEADER } from '../../platform/openapi/api-not-modified';
import { WaitingRoomService } from './waiting-room.service';

/** The secret of a queue ticket, as a Bearer token. */
export const QUEUE_SECRET_SCHEME = 'queue-secret';

@ApiTags('waiting room')
@Controller()
export class WaitingRoomController {
  constructor(private readonly room: WaitingRoomService) {}

  @Post('events/:id/queue')
  @PerAddressRateLimit()
  @ApiOperation({
    summary: "Join an event's waiting room",
    description:
      'A ticket: its `reference`, its `secret` (shown once), the place in line and a rough wait. Poll GET /queue/{reference} ' +
      'with the secret (or open `page`) until admitted, then book or hold with the admission in the `Queue-Admission` header. ' +
      'Before salesStartAt the room is a pre-queue: at the opening it is admitted in join order (fifo) or in one uniform draw ' +
      '(lottery); later arrivals go to the back. One live ticket per customer.',
  })
  @ApiIdParam()
  @ApiCreatedResponse({ type: QueueTicketResponse })
  @ApiErrorResponses({
    400: `INVALID_ID; ${BODY_VALIDATION_ERROR}`,
    404: 'EVENT_NOT_FOUND',
    409: 'QUEUE_OFF (book directly), ALREADY_QUEUED (with the live ticket`s `reference`), EVENT_CANCELLED',
    ...JSON_BODY_ERRORS,
    429: 'RATE_LIMITED: more than BOOKING_RATE_LIMIT requests (bookings, holds and joins together) from this address in BOOKING_RATE_WINDOW_MS',
    503: DEPENDENCY_UNAVAILABLE,
  })
  async join(@Param('id', new ParseIdPipe()) eventId: number, @Body() body: JoinQueueDto): Promise<QueueTicketResponse> {
    return QueueTicketResponse.from(await this.room.join(eventId, body.customerEmail));
  }

  @Get('queue/:reference')
  @UseInterceptors(QueueStatusEtagInterceptor)
  @ApiNotModified(QUEUE_STATUS_CACHE_CONTROL)
  @ApiBearerAuth(QUEUE_SECRET_SCHEME)
  @ApiParam({ name: 'reference', type: String, example: 'q_42_5mJc0F2Qb1kq6XyV3pTgLw' })
  @ApiOperation({
    summary: 'A queue ticket: waiting (place, wait), admitted (the admission), sold_out or expired (its owner)',
    description:
      'Cheap to poll: send the last ETag as If-None-Match and an unchanged ticket answers 304 with no body. ' +
      '`sold_out` reaches every waiting ticket within a second of the last seat; returned seats reopen the room in order.',
  })
  @ApiOkResponse({ type: QueueStatusResponse, headers: ETAG_HEADER })
  @ApiErrorResponses({
    404: 'QUEUE_TICKET_NOT_FOUND: no such ticket, or the Authorization header does not hold its secret',
    503: DEPENDENCY_UNAVAILABLE,
  })
  async status(
    @Param('reference') reference: string,
    @AuthorizationHeader() authorization: string | undefined,
  ): Promise<QueueStatusResponse> {
    const secret = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    return QueueStatusResponse.from(await this.room.status(reference, secret));
  }
}
