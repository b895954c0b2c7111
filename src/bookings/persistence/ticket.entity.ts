import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One row per held seat. The primary key (event_id, seat_no) is the last line
 * of defence against a double seat, whatever happened to the locks above it.
 */
@Entity({ name: 'tickets' })
@Index('ix_tickets_booking', ['bookingId'])
export class TicketEntity {
  @PrimaryColumn({ name: 'event_id', type: 'int', unsigned: true })
  eventId: number;

  @PrimaryColumn({ name: 'seat_no', type: 'int', unsigned: true })
  seatNo: number;

  @Column({ name: 'booking_id', type: 'int', unsigned: true })
  bookingId: number;
}
