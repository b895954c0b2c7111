import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { QUEUE_MODES, type QueueMode } from '../event.model';

/** An event's waiting room (docs/design.md §6). */
export class QueueSettingsDto {
  @ApiProperty({
    enum: QUEUE_MODES,
    enumName: 'QueueMode',
    example: 'fifo',
    description:
      '`off`: no room. `fifo` or `lottery`: bookings and holds need an admission from POST /events/{id}/queue; ' +
      'before salesStartAt the room is a pre-queue, admitted at the opening in join order (`fifo`) or shuffled once (`lottery`)',
  })
  @IsIn(QUEUE_MODES, { message: `queue.mode must be one of the following values: ${QUEUE_MODES.join(', ')}` })
  mode: QueueMode;
}
