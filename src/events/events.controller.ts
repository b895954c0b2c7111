import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../auth/admin-only.decorator';
import { ErrorResponse } from '../http/error.response';
import { ParseIdPipe } from '../http/parse-id.pipe';
import { CreateEventDto } from './dto/create-event.dto';
import { EventPageResponse, EventResponse } from './dto/event.response';
import { ListEventsQuery } from './dto/list-events.query';
import { ReconcileResponse } from './dto/reconcile.response';
import { UpdateStrategyDto } from './dto/update-strategy.dto';
import { EventsService } from './events.service';

const IdParam = () => ApiParam({ name: 'id', type: Number, example: 1, description: 'Event id (positive integer)' });

@ApiTags('events')
@ApiBadRequestResponse({ description: 'Invalid input; nothing was written', type: ErrorResponse })
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Create an event and put its seats on sale' })
  @ApiCreatedResponse({ type: EventResponse })
  create(@Body() body: CreateEventDto): Promise<EventResponse> {
    return this.events.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List events, oldest first, a page at a time' })
  @ApiOkResponse({ type: EventPageResponse })
  list(@Query() query: ListEventsQuery): Promise<EventPageResponse> {
    return this.events.list(query.limit, query.cursor);
  }

  @Get(':id')
  @IdParam()
  @ApiOperation({ summary: 'One event, with seats sold and available' })
  @ApiOkResponse({ type: EventResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  get(@Param('id', new ParseIdPipe()) id: number): Promise<EventResponse> {
    return this.events.get(id);
  }

  @Put(':id/strategy')
  @AdminOnly()
  @IdParam()
  @ApiOperation({ summary: "Switch the event's booking strategy; takes effect at once on every instance" })
  @ApiOkResponse({ type: EventResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  changeStrategy(@Param('id', new ParseIdPipe()) id: number, @Body() body: UpdateStrategyDto): Promise<EventResponse> {
    return this.events.changeStrategy(id, body.strategy);
  }

  @Post(':id/reconcile')
  @HttpCode(200)
  @AdminOnly()
  @IdParam()
  @ApiOperation({ summary: "Rebuild the event's Redis inventory from MySQL" })
  @ApiOkResponse({ type: ReconcileResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'Redis or MySQL unavailable' })
  reconcile(@Param('id', new ParseIdPipe()) id: number): Promise<ReconcileResponse> {
    return this.events.reconcile(id);
  }
}
