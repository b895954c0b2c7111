import { Body, Controller, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../../admin/audit/audited.decorator';
import { AdminOnly } from '../../admin/auth/admin-only.decorator';
import { EventResponse } from '../events/dto/event.response';
import { UpdateEventDto } from '../events/dto/update-event.dto';
import { ParseIdPipe } from '../../platform/http/parse-id.pipe';
import {
  ApiErrorResponses,
  BODY_VALIDATION_ERROR,
  DEPENDENCY_UNAVAILABLE,
  JSON_BODY_ERRORS,
} from '../../platform/openapi/api-error-responses';
import { ApiIdParam } from '../../platform/openapi/api-id-param';
import { EventChangesService } from './event-changes.service';

/** Changing and cancelling an event on sale: here, beside the bookings and waiting list they touch. */
@ApiTags('events')
@Controller('events')
export class EventAdminController {
  constructor(private readonly changes: EventChangesService) {}

  @Patch(':id')
  @AdminOnly('events')
  @Audited({ action: 'event.update', target: 'event', idFrom: 'param' })
  @ApiIdParam()
  @ApiOperation({
    summary: 'Change an event on sale',
    description:
      'name, startsAt, the sale window, maxPerCustomer, checkoutHoldTtlMs and capacity. Raising capacity puts the new ' +
      'seats on sale at once on every instance (the waiting list first); lowering stops at the highest seat held or sold.',
  })
  @ApiOkResponse({ type: EventResponse })
  @ApiErrorResponses({
    400: `INVALID_ID; ${BODY_VALIDATION_ERROR}`,
    404: 'EVENT_NOT_FOUND',
    409: 'CAPACITY_BELOW_SOLD (with `highestSeat`)',
    ...JSON_BODY_ERRORS,
    503: DEPENDENCY_UNAVAILABLE,
  })
  async update(@Param('id', new ParseIdPipe()) id: number, @Body() body: UpdateEventDto): Promise<EventResponse> {
    return EventResponse.counted(await this.changes.update(id, body));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @AdminOnly('events')
  @Audited({ action: 'event.cancel', target: 'event', idFrom: 'param' })
  @ApiIdParam()
  @ApiOperation({ summary: 'Cancel the event: sales stop (409 EVENT_CANCELLED), every booking and hold is cancelled' })
  @ApiOkResponse({ type: EventResponse })
  @ApiErrorResponses({ 400: 'INVALID_ID', 404: 'EVENT_NOT_FOUND', 503: DEPENDENCY_UNAVAILABLE })
  async cancel(@Param('id', new ParseIdPipe()) id: number): Promise<EventResponse> {
    return EventResponse.counted(await this.changes.cancel(id));
  }
}
