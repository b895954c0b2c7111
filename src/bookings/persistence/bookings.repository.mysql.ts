import { Injectable } from '@nestjs/common';
import type { Deadline } from '../../concurrency/deadline';
import { BoundedSql, SqlTransaction } from '../../database/bounded-sql';
import type { Booking, BookingStatus, StoredBooking } from '../booking.model';
import {
  BookingFilter,
  BookingsRepository,
  CustomerLimitExceededError,
  DuplicateIdempotencyKeyError,
  NewBooking,
} from './bookings.repository';
import { SeatAlreadyTakenError } from '../../inventory/seat-inventory';

interface BookingRow {
  id: number;
  reference: string;
  secret_hash: string | null;
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

const COLUMNS =
  'id, reference, secret_hash, event_id, customer_email, quantity, status, strategy, seats, request_hash, created_at, cancelled_at';

const toModel = (r: BookingRow): StoredBooking => ({
  id: Number(r.id),
  reference: r.reference,
  eventId: Number(r.event_id),
  customerEmail: r.customer_email,
  quantity: Number(r.quantity),
  status: r.status,
  strategy: r.strategy,
  seats: JSON.parse(r.seats) as number[],
  createdAt: r.created_at,
  cancelledAt: r.cancelled_at,
  secretHash: r.secret_hash,
  requestHash: r.request_hash,
});

/** LIKE treats % and _ as wildcards; a customer's e-mail may contain _. */
const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Plain SQL on the booking path: no entity hydration, one round trip per
 * statement, bulk ticket insert, every wait bounded (BoundedSql).
 */
@Injectable()
export class MysqlBookingsRepository extends BookingsRepository {
  constructor(private readonly sql: BoundedSql) {
    super();
  }

  async insertConfirmed(b: NewBooking, deadline: Deadline): Promise<StoredBooking> {
    // Millisecond precision, as the column stores it, so the reply equals a later GET.
    const createdAt = new Date(Math.floor(Date.now()));
    if (b.maxPerCustomer !== null) {
      // The row the transaction locks must exist before it starts: inserting it
      // inside would let two first bookings of one customer deadlock.
      await this.sql.query('INSERT IGNORE INTO customer_booking_locks (event_id, customer_email) VALUES (?, ?)', [b.eventId, b.customerEmail], deadline);
    }
    try {
      const id = await this.sql.transaction(async (tx) => {
        if (b.maxPerCustomer !== null) await this.claimCustomerQuota(tx, b, b.maxPerCustomer);
        const inserted = await tx.query<{ insertId: number }>(
          `INSERT INTO bookings (reference, secret_hash, event_id, customer_email, quantity, status, strategy, seats, idempotency_key_hash, request_hash, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'confirmed', ?, ?, ?, ?, ?, ?)`,
          [b.reference, b.secretHash, b.eventId, b.customerEmail, b.quantity, b.strategy, JSON.stringify(b.seats), b.idempotencyKeyHash, b.requestHash, createdAt, createdAt],
        );
        const rows = b.seats.map((seat) => [b.eventId, seat, inserted.insertId]);
        await tx.query(this.ticketInsert(b), [rows]);
        return inserted.insertId;
      }, deadline);
      return {
        id,
        reference: b.reference,
        eventId: b.eventId,
        customerEmail: b.customerEmail,
        quantity: b.quantity,
        seats: b.seats,
        status: 'confirmed',
        strategy: b.strategy,
        createdAt,
        cancelledAt: null,
        secretHash: b.secretHash,
        requestHash: b.requestHash,
      };
    } catch (error) {
      throw classifyInsertError(error);
    }
  }

  /**
   * The ticket rows' insert. A double seat is refused by the primary key; the
   * test harness's control group overrides this to let one through, to show
   * what an unprotected system does.
   */
  protected ticketInsert(_booking: NewBooking): string {
    return 'INSERT INTO tickets (event_id, seat_no, booking_id) VALUES ?';
  }

  /**
   * The customer's turn: the lock row serialises every booking of this
   * customer for this event (on every instance), and under it the count reads
   * what the previous holder committed (READ COMMITTED).
   */
  private async claimCustomerQuota(tx: SqlTransaction, b: NewBooking, limit: number): Promise<void> {
    await tx.query('SELECT 1 FROM customer_booking_locks WHERE event_id = ? AND customer_email = ? FOR UPDATE', [b.eventId, b.customerEmail]);
    const held = await tx.query<{ total: string | null }[]>(
      "SELECT SUM(quantity) AS total FROM bookings WHERE event_id = ? AND customer_email = ? AND status = 'confirmed'",
      [b.eventId, b.customerEmail],
    );
    if (Number(held[0]?.total ?? 0) + b.quantity > limit) throw new CustomerLimitExceededError();
  }

  async findByReference(reference: string, deadline?: Deadline): Promise<StoredBooking | null> {
    const rows = await this.sql.query<BookingRow[]>(`SELECT ${COLUMNS} FROM bookings WHERE reference = ?`, [reference], deadline);
    return rows.length ? toModel(rows[0]) : null;
  }

  async findByIdempotencyKey(eventId: number, keyHash: string, deadline?: Deadline): Promise<StoredBooking | null> {
    const rows = await this.sql.query<BookingRow[]>(
      `SELECT ${COLUMNS} FROM bookings WHERE event_id = ? AND idempotency_key_hash = ?`,
      [eventId, keyHash],
      deadline,
    );
    return rows.length ? toModel(rows[0]) : null;
  }

  async cancel(id: number): Promise<{ booking: Booking; seatsFreed: number[] } | null> {
    return this.sql.transaction(async (tx) => {
      const rows = await tx.query<BookingRow[]>(`SELECT ${COLUMNS} FROM bookings WHERE id = ? FOR UPDATE`, [id]);
      if (rows.length === 0) return null;
      const booking = toModel(rows[0]);
      if (booking.status === 'cancelled') return { booking, seatsFreed: [] };
      const held = await tx.query<{ seat_no: number }[]>('SELECT seat_no FROM tickets WHERE booking_id = ? FOR UPDATE', [id]);
      await tx.query('DELETE FROM tickets WHERE booking_id = ?', [id]);
      const cancelledAt = new Date();
      await tx.query("UPDATE bookings SET status = 'cancelled', cancelled_at = ? WHERE id = ?", [cancelledAt, id]);
      return {
        booking: { ...booking, status: 'cancelled' as const, cancelledAt },
        seatsFreed: held.map((r) => Number(r.seat_no)),
      };
    });
  }

  async confirmedQuantityOf(eventId: number, customerEmail: string, deadline?: Deadline): Promise<number> {
    const rows = await this.sql.query<{ total: string | null }[]>(
      "SELECT SUM(quantity) AS total FROM bookings WHERE event_id = ? AND customer_email = ? AND status = 'confirmed'",
      [eventId, customerEmail],
      deadline,
    );
    return Number(rows[0]?.total ?? 0);
  }

  async listForEvent(eventId: number, f: BookingFilter): Promise<StoredBooking[]> {
    const where = ['event_id = ?', 'id > ?'];
    const params: unknown[] = [eventId, f.afterId];
    if (f.status) {
      where.push('status = ?');
      params.push(f.status);
    }
    if (f.emailPrefix) {
      where.push('customer_email LIKE ?');
      params.push(likePrefix(f.emailPrefix));
    }
    params.push(f.limit);
    const rows = await this.sql.query<BookingRow[]>(
      `SELECT ${COLUMNS} FROM bookings WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`,
      params,
    );
    return rows.map(toModel);
  }
}

function classifyInsertError(error: unknown): unknown {
  if (error instanceof CustomerLimitExceededError) return error;
  const driver = error as { code?: string; sqlMessage?: string; sqlState?: string };
  if (driver?.code === 'ER_DUP_ENTRY') {
    if (driver.sqlMessage?.includes('uq_bookings_event_idempotency_key')) return new DuplicateIdempotencyKeyError();
    return new SeatAlreadyTakenError(error);
  }
  // The capacity trigger: Redis offered a seat number the event no longer has.
  if (driver?.sqlState === '45000') return new SeatAlreadyTakenError(error);
  return error;
}
