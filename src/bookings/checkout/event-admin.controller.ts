import { Body, Controller, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/admin-only.decorator';
import { EventResponse } from '../../events/dto/event.response';
import { UpdateEventDto } from '../../events/dto/update-event.dto';
import { ErrorResponse } from '../../http/error.response';
import { ParseIdPipe } from '../../http/parse-id.pipe';
import { EventChangesService } from './event-changes.service';

const IdParam = () => ApiParam({ name: 'id', type: Number, example: 1, description: 'Event id (positive integer)' });

/** Changing and cancelling an event on sale: here, beside the bookings and waiting list they touch. */
@ApiTags('events')
@Controller('events')
export class EventAdminController {
  constructor(private readonly changes: EventChangesService) {}

  @Patch(':id')
  @AdminOnly()
  @IdParam()
  @ApiOperation({
    summary: 'Change an event on sale',
    description:
      'name, startsAt, the sale window, maxPerCustomer, checkoutHoldTtlMs and capacity. Raising capacity puts the new ' +
      'seats on sale at once on every instance (the waiting list first); lowering stops at the highest seat held or sold.',
  })
  @ApiOkResponse({ type: EventResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'CAPACITY_BELOW_SOLD (with highestSeat)' })
  @ApiNotFoundResponse({ type: ErrorResponse })
  update(@Param('id', new ParseIdPipe()) id: number, @Body() body: UpdateEventDto): Promise<EventResponse> {
    return this.changes.update(id, body);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @AdminOnly()
  @IdParam()
  @ApiOperation({ summary: 'Cancel the event: sales stop (409 EVENT_CANCELLED), every booking and hold is cancelled' })
  @ApiOkResponse({ type: EventResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  cancel(@Param('id', new ParseIdPipe()) id: number): Promise<EventResponse> {
    return this.changes.cancel(id);
  }
}
