import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { BookingStatus } from '../booking.model';

@Entity({ name: 'bookings' })
@Index('uq_bookings_event_idempotency_key', ['eventId', 'idempotencyKey'], { unique: true })
@Index('ix_bookings_event_status', ['eventId', 'status'])
export class BookingEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id: number;

  @Column({ name: 'event_id', type: 'int', unsigned: true })
  eventId: number;

  @Column({ name: 'customer_email', type: 'varchar', length: 254 })
  customerEmail: string;

  @Column({ type: 'smallint', unsigned: true })
  quantity: number;

  @Column({ type: 'varchar', length: 16 })
  status: BookingStatus;

  @Column({ type: 'varchar', length: 16 })
  strategy: string;

  // Kept for history: tickets rows disappear on cancellation, this list does not.
  @Column({ type: 'simple-json' })
  seats: number[];

  @Column({ name: 'idempotency_key', type: 'varchar', length: 128, nullable: true })
  idempotencyKey: string | null;

  @Column({ name: 'request_hash', type: 'char', length: 64, nullable: true })
  requestHash: string | null;

  @Column({ name: 'cancelled_at', type: 'datetime', precision: 3, nullable: true })
  cancelledAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
