import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../../admin/audit/audited.decorator';
import { AdminOnly } from '../../admin/auth/admin-only.decorator';
import { ParseIdPipe } from '../../platform/http/parse-id.pipe';
import {
  ApiErrorResponses,
  BODY_VALIDATION_ERROR,
  DEPENDENCY_UNAVAILABLE,
  JSON_BODY_ERRORS,
} from '../../platform/openapi/api-error-responses';
import { ApiIdParam } from '../../platform/openapi/api-id-param';
import { CreateEventDto } from './dto/create-event.dto';
import { EventPageResponse, EventResponse } from './dto/event.response';
import { ListEventsQuery } from '../../shared/pagination/list-events.query';
import { ReconcileResponse } from './dto/reconcile.response';
import { UpdateStrategyDto } from './dto/update-strategy.dto';
import { EventsService } from './events.service';
import { EventReads } from './event-reads';
import { CACHEABLE_READ_CONTROL, CacheableReadInterceptor } from '../../platform/http/cacheable-read.interceptor';
import { ApiNotModified, ETAG_HEADER } from '../../platform/openapi/api-not-modified';

const NO_SUCH_EVENT = 'EVENT_NOT_FOUND';
const BAD_ID = 'INVALID_ID: the id is not a positive integer';

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly reads: EventReads,
  ) {}

  @Post()
  @AdminOnly('events')
  @Audited({ action: 'event.create', target: 'event', idFrom: 'result' })
  @ApiOperation({ summary: 'Create an event and put its seats on sale' })
  @ApiCreatedResponse({ type: EventResponse })
  @ApiErrorResponses({ 400: BODY_VALIDATION_ERROR, ...JSON_BODY_ERRORS, 503: DEPENDENCY_UNAVAILABLE })
  async create(@Body() body: CreateEventDto): Promise<EventResponse> {
    return EventResponse.counted(await this.events.create(body));
  }

  @Get()
  @UseInterceptors(CacheableReadInterceptor)
  @ApiNotModified(CACHEABLE_READ_CONTROL)
  @ApiOperation({ summary: 'List events, oldest first, a page at a time' })
  @ApiOkResponse({ type: EventPageResponse, headers: ETAG_HEADER })
  @ApiErrorResponses({ 400: 'VALIDATION_FAILED (limit) or INVALID_INPUT (a cursor this API did not return)', 503: DEPENDENCY_UNAVAILABLE })
  list(@Query() query: ListEventsQuery): Promise<EventPageResponse> {
    return this.reads.list(query.limit, query.cursor);
  }

  @Get(':id')
  @UseInterceptors(CacheableReadInterceptor)
  @ApiNotModified(CACHEABLE_READ_CONTROL)
  @ApiIdParam()
  @ApiOperation({ summary: 'One event, with seats sold and available' })
  @ApiOkResponse({ type: EventResponse, headers: ETAG_HEADER })
  @ApiErrorResponses({ 400: BAD_ID, 404: NO_SUCH_EVENT, 503: DEPENDENCY_UNAVAILABLE })
  get(@Param('id', new ParseIdPipe()) id: number): Promise<EventResponse> {
    return this.reads.get(id);
  }

  @Put(':id/strategy')
  @AdminOnly('strategy')
  @Audited({ action: 'strategy.switch', target: 'event', idFrom: 'param' })
  @ApiIdParam()
  @ApiOperation({ summary: "Switch the event's booking strategy; takes effect at once on every instance" })
  @ApiOkResponse({ type: EventResponse })
  @ApiErrorResponses({
    400: `${BAD_ID}; ${BODY_VALIDATION_ERROR} (an unknown strategy names the known ones)`,
    404: NO_SUCH_EVENT,
    ...JSON_BODY_ERRORS,
    503: DEPENDENCY_UNAVAILABLE,
  })
  async changeStrategy(@Param('id', new ParseIdPipe()) id: number, @Body() body: UpdateStrategyDto): Promise<EventResponse> {
    return EventResponse.counted(await this.events.changeStrategy(id, body.strategy));
  }

  @Post(':id/reconcile')
  @HttpCode(200)
  @AdminOnly('strategy')
  @Audited({ action: 'inventory.reconcile', target: 'event', idFrom: 'param', after: 'result' })
  @ApiIdParam()
  @ApiOperation({ summary: "Rebuild the event's Redis inventory from MySQL" })
  @ApiOkResponse({ type: ReconcileResponse })
  @ApiErrorResponses({ 400: BAD_ID, 404: NO_SUCH_EVENT, 503: `${DEPENDENCY_UNAVAILABLE}; INVENTORY_UNSETTLED` })
  async reconcile(@Param('id', new ParseIdPipe()) id: number): Promise<ReconcileResponse> {
    const { eventId, free } = await this.events.reconcile(id);
    return { eventId, free };
  }
}
