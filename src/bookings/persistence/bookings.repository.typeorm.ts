import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Booking, BookingStatus } from '../booking.model';
import {
  BookingsRepository,
  DuplicateIdempotencyKeyError,
  NewBooking,
  SeatAlreadyTakenError,
  StoredBooking,
} from './bookings.repository';

interface BookingRow {
  id: number;
  event_id: number;
  customer_email: string;
  quantity: number;
  status: BookingStatus;
  strategy: string;
  seats: string;
  request_hash: string | null;
  created_at: Date;
  cancelled_at: Date | null;
}

const COLUMNS = 'id, event_id, customer_email, quantity, status, strategy, seats, request_hash, created_at, cancelled_at';

const toModel = (r: BookingRow): StoredBooking => ({
  id: Number(r.id),
  eventId: Number(r.event_id),
  customerEmail: r.customer_email,
  quantity: Number(r.quantity),
  status: r.status,
  strategy: r.strategy,
  seats: JSON.parse(r.seats) as number[],
  createdAt: r.created_at,
  cancelledAt: r.cancelled_at,
  requestHash: r.request_hash,
});

/**
 * Plain SQL on the booking path: no entity hydration, one round trip per
 * statement, bulk ticket insert.
 */
@Injectable()
export class TypeOrmBookingsRepository extends BookingsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async insertConfirmed(b: NewBooking, overwriteSeats: boolean): Promise<Booking> {
    // Millisecond precision, as the column stores it, so the reply equals a later GET.
    const createdAt = new Date(Math.floor(Date.now()));
    try {
      const id = await this.db.transaction(async (m) => {
        const inserted: { insertId: number } = await m.query(
          `INSERT INTO bookings (event_id, customer_email, quantity, status, strategy, seats, idempotency_key, request_hash, created_at, updated_at)
           VALUES (?, ?, ?, 'confirmed', ?, ?, ?, ?, ?, ?)`,
          [b.eventId, b.customerEmail, b.quantity, b.strategy, JSON.stringify(b.seats), b.idempotencyKey, b.requestHash, createdAt, createdAt],
        );
        const rows = b.seats.map((seat) => [b.eventId, seat, inserted.insertId]);
        await m.query(
          `INSERT INTO tickets (event_id, seat_no, booking_id) VALUES ?${overwriteSeats ? ' ON DUPLICATE KEY UPDATE booking_id = VALUES(booking_id)' : ''}`,
          [rows],
        );
        return inserted.insertId;
      });
      return { id, eventId: b.eventId, customerEmail: b.customerEmail, quantity: b.quantity, seats: b.seats, status: 'confirmed', strategy: b.strategy, createdAt, cancelledAt: null };
    } catch (error) {
      throw classifyInsertError(error);
    }
  }

  async findById(id: number): Promise<Booking | null> {
    const rows: BookingRow[] = await this.db.query(`SELECT ${COLUMNS} FROM bookings WHERE id = ?`, [id]);
    return rows.length ? toModel(rows[0]) : null;
  }

  async findByIdempotencyKey(eventId: number, key: string): Promise<StoredBooking | null> {
    const rows: BookingRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM bookings WHERE event_id = ? AND idempotency_key = ?`,
      [eventId, key],
    );
    return rows.length ? toModel(rows[0]) : null;
  }

  async cancel(id: number): Promise<{ booking: Booking; seatsFreed: number[] } | null> {
    return this.db.transaction(async (m) => {
      const rows: BookingRow[] = await m.query(`SELECT ${COLUMNS} FROM bookings WHERE id = ? FOR UPDATE`, [id]);
      if (rows.length === 0) return null;
      const booking = toModel(rows[0]);
      if (booking.status === 'cancelled') return { booking, seatsFreed: [] };
      const held: { seat_no: number }[] = await m.query('SELECT seat_no FROM tickets WHERE booking_id = ? FOR UPDATE', [id]);
      await m.query('DELETE FROM tickets WHERE booking_id = ?', [id]);
      const cancelledAt = new Date();
      await m.query("UPDATE bookings SET status = 'cancelled', cancelled_at = ? WHERE id = ?", [cancelledAt, id]);
      return {
        booking: { ...booking, status: 'cancelled' as const, cancelledAt },
        seatsFreed: held.map((r) => Number(r.seat_no)),
      };
    });
  }

  async confirmedQuantityOf(eventId: number, customerEmail: string): Promise<number> {
    const rows: { total: string | null }[] = await this.db.query(
      "SELECT SUM(quantity) AS total FROM bookings WHERE event_id = ? AND customer_email = ? AND status = 'confirmed'",
      [eventId, customerEmail],
    );
    return Number(rows[0]?.total ?? 0);
  }
}

function classifyInsertError(error: unknown): unknown {
  const driver = (error as { driverError?: { code?: string; sqlMessage?: string } }).driverError ?? (error as { code?: string; sqlMessage?: string });
  if (driver?.code === 'ER_DUP_ENTRY') {
    if (driver.sqlMessage?.includes('uq_bookings_event_idempotency_key')) return new DuplicateIdempotencyKeyError();
    return new SeatAlreadyTakenError(error);
  }
  return error;
}
