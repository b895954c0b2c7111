import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';
import { ListEventsQuery } from '../../../shared/pagination/list-events.query';
import { BOOKING_STATUSES as STATUSES, BookingStatus } from '../booking.model';

export class ListBookingsQuery extends ListEventsQuery {
  @ApiPropertyOptional({ enum: STATUSES, enumName: 'BookingStatus' })
  @IsOptional()
  @IsIn(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` })
  status?: BookingStatus;

  @ApiPropertyOptional({ description: "Case-insensitive prefix of the customer's e-mail", example: 'ada@' })
  @IsOptional()
  @MaxLength(254)
  @Matches(/^[^\p{C}]+$/u, { message: 'email must not contain control or formatting characters' })
  email?: string;
}
