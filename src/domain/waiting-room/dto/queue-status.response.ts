import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NewTicket, QUEUE_STATUSES, QueueStatus, TicketStatus } from '../ticket-status';

export class AdmissionResponse {
  @ApiProperty({
    example: 'wr1.42.q_42_5mJc0F2Qb1kq6XyV3pTgLw.9f2c1d0a-1.1767225600000.3xQ…',
    description: 'Send as the `Queue-Admission` header with ONE booking or hold of this event, for this customer',
  })
  token: string;
  @ApiProperty({ format: 'date-time', description: 'Unused by then, the admission is lost and the next buyer is admitted' })
  expiresAt: string;
  @ApiProperty({ example: true, description: 'false once a booking or hold used it' })
  usable: boolean;
  @ApiProperty({ example: '/api/v1/events/42/bookings' }) book: string;
  @ApiProperty({ example: '/api/v1/events/42/holds' }) hold: string;
}

export class QueueStatusResponse {
  @ApiProperty({ example: 'q_42_5mJc0F2Qb1kq6XyV3pTgLw' }) reference: string;
  @ApiProperty({ type: 'integer', example: 42 }) eventId: number;
  @ApiProperty({ enum: QUEUE_STATUSES, enumName: 'QueueStatus', example: 'waiting' }) status: QueueStatus;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 118,
    description: 'Place in the line (1 = next); null when not waiting, and in a lottery before its draw at the opening',
  })
  position: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 12, description: 'Seconds until admission, roughly; null when not waiting' })
  estimatedWaitSeconds: number | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'The opening (salesStartAt) while the room is a pre-queue',
  })
  opensAt: string | null;
  @ApiProperty({ type: 'integer', example: 1000, description: 'Poll again after this many milliseconds (If-None-Match makes it a 304)' })
  pollAfterMs: number;
  @ApiPropertyOptional({ type: AdmissionResponse, description: 'Present when admitted' })
  admission?: AdmissionResponse;

  static from(ticket: TicketStatus): QueueStatusResponse {
    const { admission } = ticket;
    return {
      reference: ticket.reference,
      eventId: ticket.eventId,
      opensAt: ticket.opensAt?.toISOString() ?? null,
      status: ticket.status,
      position: ticket.position,
      estimatedWaitSeconds: ticket.estimatedWaitSeconds,
      pollAfterMs: ticket.pollAfterMs,
      ...(admission && {
        admission: {
          token: admission.token,
          expiresAt: admission.expiresAt.toISOString(),
          usable: admission.usable,
          book: `/api/v1/events/${ticket.eventId}/bookings`,
          hold: `/api/v1/events/${ticket.eventId}/holds`,
        },
      }),
    };
  }
}

export class QueueTicketResponse extends QueueStatusResponse {
  @ApiProperty({
    example: 'sN3q…',
    description: 'Shown once: send as `Authorization: Bearer <secret>` to GET /queue/{reference}',
  })
  secret: string;
  @ApiProperty({ example: '/api/v1/waiting-room#ref=q_42_…&secret=…', description: 'The waiting page for this ticket' })
  page: string;

  static from(ticket: NewTicket): QueueTicketResponse {
    return {
      ...QueueStatusResponse.from(ticket),
      secret: ticket.secret,
      page: `/api/v1/waiting-room#ref=${ticket.reference}&secret=${ticket.secret}`,
    };
  }
}
