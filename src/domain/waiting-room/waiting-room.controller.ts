import { Body, Controller, Get, Logger, MessageEvent, Param, Post, Sse, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { catchError, map, Observable, of } from 'rxjs';
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
import { TicketStreamItem, TicketStreams } from './ticket-streams';
import { DomainError } from '../../shared/errors/domain-errors';
import { asDependencyFailure } from '../../shared/errors/driver-errors';
import { domainErrorBody, errorBody } from '../../platform/http/error-body';

/** The secret of a queue ticket, as a Bearer token. */
export const QUEUE_SECRET_SCHEME = 'queue-secret';

const QUEUE_REFERENCE_PARAM = { name: 'reference', type: String, example: 'q_42_5mJc0F2Qb1kq6XyV3pTgLw' };

/** The secret from `Authorization: Bearer <secret>`, if that is what the header holds. */
function bearerSecret(authorization: string | undefined): string | undefined {
  return /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
}

@ApiTags('waiting room')
@Controller()
export class WaitingRoomController {
  private readonly logger = new Logger(WaitingRoomController.name);

  constructor(
    private readonly room: WaitingRoomService,
    private readonly streams: TicketStreams,
  ) {}

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
  @ApiParam(QUEUE_REFERENCE_PARAM)
  @ApiOperation({
    summary: 'A queue ticket: waiting (place, wait), admitted (the admission), sold_out or expired (its owner)',
    description:
      'Cheap to poll: send the last ETag as If-None-Match and an unchanged ticket answers 304 with no body; ask again after ' +
      '`pollAfterMs` (1 s near the front and while admitted, up to 10 s far back). A read sent after the room closed says ' +
      '`sold_out`; returned seats reopen the room in order. To be told at once instead, follow GET /queue/{reference}/events.',
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
    return QueueStatusResponse.from(await this.room.status(reference, bearerSecret(authorization)));
  }

  @Sse('queue/:reference/events')
  @ApiBearerAuth(QUEUE_SECRET_SCHEME)
  @ApiParam(QUEUE_REFERENCE_PARAM)
  @ApiOperation({
    summary: "A queue ticket's server-sent event stream: its status now, then each change",
    description:
      'text/event-stream. The first event is the ticket as GET /queue/{reference} answers it; then one event (`data:` the same ' +
      'JSON) whenever its status, place or estimated wait changes, and `: keep-alive` comments every ' +
      'WAITING_ROOM_STREAM_HEARTBEAT_MS. When the room closes (sold out, sale over, cancelled), every waiting ticket`s stream ' +
      'gets `sold_out` within a second of the last seat. The stream ends after a final status: `sold_out` (returned seats may ' +
      'reopen the room: poll after `pollAfterMs`), `expired`, or `admitted` with an admission no longer usable. A dependency ' +
      'lost mid-stream: one `event: error` (the error body, with `retryAfterSeconds`), then the end. Send the secret as ' +
      '`Authorization: Bearer` (never in the URL): EventSource cannot, so browsers read it with fetch.',
  })
  @ApiOkResponse({
    description: 'The event stream',
    content: {
      'text/event-stream': {
        schema: { type: 'string', example: 'id: 1\ndata: {"reference":"q_42_…","status":"waiting","position":118,…}\n\n: keep-alive\n\n' },
      },
    },
  })
  @ApiErrorResponses({
    404: 'QUEUE_TICKET_NOT_FOUND: no such ticket, or the Authorization header does not hold its secret',
    503: DEPENDENCY_UNAVAILABLE,
  })
  async events(
    @Param('reference') reference: string,
    @AuthorizationHeader() authorization: string | undefined,
  ): Promise<Observable<MessageEvent>> {
    // Awaited here: a wrong secret, an unknown ticket or Redis away answers 404/503 before the stream starts.
    const stream = await this.streams.follow(reference, bearerSecret(authorization));
    return stream.pipe(
      map(toMessageEvent),
      catchError((error: unknown) => of(this.errorEvent(error))),
    );
  }

  /** A failure once the stream has started: one `error` event with the body the route would have answered, then the end. */
  private errorEvent(error: unknown): MessageEvent {
    const failure = error instanceof DomainError ? error : asDependencyFailure(error);
    if (!failure) {
      this.logger.error({ err: error }, 'ticket stream failed');
      return { type: 'error', data: errorBody(500, 'internal error', 'INTERNAL') };
    }
    if (failure.status >= 500) this.logger.warn({ err: error, code: failure.code }, failure.message);
    return { type: 'error', data: { ...domainErrorBody(failure), retryAfterSeconds: failure.retryAfterSeconds } };
  }
}

function toMessageEvent(item: TicketStreamItem): MessageEvent {
  return 'status' in item ? { data: QueueStatusResponse.from(item.status) } : { comment: 'keep-alive' };
}
