import { Injectable } from '@nestjs/common';
import type { Deadline } from '../../../platform/concurrency/deadline';
import { AmbiguousCommitError, BoundedSql, SqlTransaction } from '../../../platform/database/bounded-sql';
import { LostCommitSettler } from '../../../platform/database/lost-commit-settler';
import type { BookingStatus, StoredBooking } from '../booking.model';
import {
  BookingEnd,
  BookingFilter,
  BookingsRepository,
  ConfirmRefusal,
  CustomerLimitExceededError,
  DuplicateIdempotencyKeyError,
  EndedBooking,
  NewBooking,
  WaitlistEntryRef,
} from './bookings.repository';
import { EventCancelledRefusal, isEventCancelledSignal } from './cancelled-event-refusal';
import { lockEventShared, offerToWaitlist } from '../../waitlist/persistence/waitlist-offers.sql';
import { SeatAlreadyTakenError } from '../../inventory/seat-inventory';

interface BookingRow {
  id: number;
  reference: string;
  secret_hash: string | null;
  event_id: number;
  customer_email: string;
  quantity: number;
  status: BookingStatus;
  expires_at: Date | null;
  strategy: string;
  seats: string;
  request_hash: string | null;
  created_at: Date;
  cancelled_at: Date | null;
}

const COLUMNS =
  'id, reference, secret_hash, event_id, customer_email, quantity, status, expires_at, strategy, seats, request_hash, created_at, cancelled_at';

const toModel = (r: BookingRow): StoredBooking => ({
  id: Number(r.id),
  reference: r.reference,
  eventId: Number(r.event_id),
  customerEmail: r.customer_email,
  quantity: Number(r.quantity),
  status: r.status,
  expiresAt: r.expires_at,
  strategy: r.strategy,
  seats: JSON.parse(r.seats) as number[],
  createdAt: r.created_at,
  cancelledAt: r.cancelled_at,
  secretHash: r.secret_hash,
  requestHash: r.request_hash,
});

/** Seats a customer holds in an event: confirmed bookings and live checkout holds (what `maxPerCustomer` counts). */
const LIVE_SEATS_OF_CUSTOMER =
  "SELECT SUM(quantity) AS total FROM bookings WHERE event_id = ? AND customer_email = ? AND status IN ('confirmed', 'held')";

/** LIKE treats % and _ as wildcards; a customer's e-mail may contain _. */
const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Plain SQL on the booking path: no entity hydration, one round trip per
 * statement, bulk ticket insert, every wait bounded (BoundedSql).
 */
@Injectable()
export class MysqlBookingsRepository extends BookingsRepository {
  constructor(
    /** Protected: the test harness's control repository (test/support/controls) writes its broken versions through it. */
    protected readonly sql: BoundedSql,
    private readonly lostCommits: LostCommitSettler,
  ) {
    super();
  }

  settleInsert(reference: string, lost: Error, deadline?: Deadline): Promise<StoredBooking | null> {
    if (!(lost instanceof AmbiguousCommitError)) throw lost;
    return this.lostCommits.settle(lost, () => this.findByReference(reference, deadline), deadline);
  }

  async insert(b: NewBooking, deadline: Deadline): Promise<StoredBooking> {
    // Millisecond precision, as the column stores it, so the reply equals a later GET.
    const createdAt = new Date(Math.floor(Date.now()));
    const status: BookingStatus = b.holdUntil ? 'held' : 'confirmed';
    if (b.maxPerCustomer !== null) {
      // The row the transaction locks must exist before it starts: inserting it
      // inside would let two first bookings of one customer deadlock.
      await this.sql.query(
        'INSERT IGNORE INTO customer_booking_locks (event_id, customer_email) VALUES (?, ?)',
        [b.eventId, b.customerEmail],
        deadline,
      );
    }
    try {
      const id = this.inOneCall(b)
        ? await this.insertInOneCall(b, status, createdAt, deadline)
        : await this.insertInTransaction(b, status, createdAt, deadline);
      return {
        id,
        reference: b.reference,
        eventId: b.eventId,
        customerEmail: b.customerEmail,
        quantity: b.quantity,
        seats: b.seats,
        status,
        expiresAt: b.holdUntil,
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

  /** Without a per-customer limit (nothing to lock and count), the whole transaction is one procedure call. */
  protected inOneCall(b: NewBooking): boolean {
    return b.maxPerCustomer === null;
  }

  private async insertInOneCall(b: NewBooking, status: BookingStatus, createdAt: Date, deadline: Deadline): Promise<number> {
    const [rows] = await this.sql.callCommitting<[{ id: number }[]]>(
      'CALL insert_booking(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      bookingValues(b, status, createdAt),
      deadline,
    );
    return Number(rows[0].id);
  }

  /** Statement by statement: the customer's row locked and counted first, when the event has a limit. */
  private insertInTransaction(b: NewBooking, status: BookingStatus, createdAt: Date, deadline: Deadline): Promise<number> {
    return this.sql.transaction(async (tx) => {
      if (b.maxPerCustomer !== null) await this.claimCustomerQuota(tx, b, b.maxPerCustomer);
      const inserted = await tx.query<{ insertId: number }>(
        `INSERT INTO bookings (reference, secret_hash, event_id, customer_email, quantity, status, expires_at, strategy, seats,
                               idempotency_key_hash, request_hash, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [...bookingValues(b, status, createdAt), createdAt],
      );
      const rows = b.seats.map((seat) => [b.eventId, seat, inserted.insertId]);
      await tx.query(this.ticketInsert(b), [rows]);
      return inserted.insertId;
    }, deadline);
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
   * what the previous holder committed (READ COMMITTED). Protected: the test
   * harness's control group replaces it with a naive check, to show the proofs catch one.
   */
  protected async claimCustomerQuota(tx: SqlTransaction, b: NewBooking, limit: number): Promise<void> {
    await tx.query('SELECT 1 FROM customer_booking_locks WHERE event_id = ? AND customer_email = ? FOR UPDATE', [
      b.eventId,
      b.customerEmail,
    ]);
    const held = await tx.query<{ total: string | null }[]>(LIVE_SEATS_OF_CUSTOMER, [b.eventId, b.customerEmail]);
    if (Number(held[0]?.total ?? 0) + b.quantity > limit) throw new CustomerLimitExceededError();
  }

  async findByReference(reference: string, deadline?: Deadline): Promise<StoredBooking | null> {
    const rows = await this.sql.query<BookingRow[]>(`SELECT ${COLUMNS} FROM bookings WHERE reference = ?`, [reference], deadline);
    return rows.length ? toModel(rows[0]) : null;
  }

  async findById(id: number): Promise<StoredBooking | null> {
    const rows = await this.sql.query<BookingRow[]>(`SELECT ${COLUMNS} FROM bookings WHERE id = ?`, [id]);
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

  async confirmHold(id: number): Promise<StoredBooking | ConfirmRefusal> {
    let eventId: number | null = null;
    // Confirming is idempotent: after a lost COMMIT, doing it again answers what MySQL has.
    const confirm = () => this.confirmHoldOnce(id, (e) => (eventId = e));
    return this.lostCommits.changeOrSettle(confirm, confirm, () => eventId);
  }

  private async confirmHoldOnce(id: number, seen: (eventId: number) => void): Promise<StoredBooking | ConfirmRefusal> {
    return this.sql.transaction(async (tx) => {
      // The event row first (shared), like every booking write: a cancel in progress is waited for, then refuses this.
      const [{ event_id: eventId }] = await tx.query<{ event_id: number }[]>('SELECT event_id FROM bookings WHERE id = ?', [id]);
      if ((await lockEventShared(tx, Number(eventId))).cancelled) return 'event-cancelled';
      // The one conditional UPDATE both a confirm and the expiry sweep race on: MySQL's clock, one winner.
      const confirmed = await tx.query<{ affectedRows: number }>(
        "UPDATE bookings SET status = 'confirmed', expires_at = NULL WHERE id = ? AND status = 'held' AND expires_at > NOW(3)",
        [id],
      );
      if (confirmed.affectedRows === 1) {
        // Under the booking's lock: a leave of this entry (which locks the booking first too) waits, then finds it fulfilled.
        await tx.query("UPDATE waitlist_entries SET status = 'fulfilled' WHERE offer_booking_id = ? AND status = 'offered'", [id]);
      }
      const rows = await tx.query<BookingRow[]>(`SELECT ${COLUMNS} FROM bookings WHERE id = ?`, [id]);
      const booking = toModel(rows[0]);
      seen(booking.eventId);
      if (booking.status === 'confirmed') return booking;
      return booking.status === 'held' || booking.status === 'expired' ? 'expired' : 'ended';
    });
  }

  async end(id: number, to: BookingEnd, offerTtlMs: number): Promise<EndedBooking | null> {
    const [owner] = await this.sql.query<{ event_id: number }[]>('SELECT event_id FROM bookings WHERE id = ?', [id]);
    if (!owner) return null;
    const eventId = Number(owner.event_id);
    const endOnce = (endedAt: Date) =>
      this.sql.transaction(async (tx) => {
        await lockEventShared(tx, eventId);
        return this.endLocked(tx, id, to, offerTtlMs, endedAt);
      });
    // This call's mark: after a lost COMMIT, a booking ended at exactly this instant was ended by this call.
    const endedAt = new Date(Math.floor(Date.now()));
    return this.lostCommits.changeOrSettle(
      () => endOnce(endedAt),
      async () => (await this.endedBy(id, endedAt)) ?? endOnce(new Date(Math.floor(Date.now()))),
      () => eventId,
    );
  }

  /**
   * After a lost COMMIT (fenced): if the booking was ended by the call marked
   * `endedAt`, that end committed, and its freed seats are those of the
   * booking no ticket holds now (the waiting list's offers hold the others;
   * none of them was on sale, so nobody else can have taken them). Else null.
   */
  private async endedBy(id: number, endedAt: Date): Promise<EndedBooking | null> {
    const booking = await this.findById(id);
    if (!booking || booking.cancelledAt?.getTime() !== endedAt.getTime()) return null;
    const ticketed = await this.sql.query<{ seat_no: number }[]>('SELECT seat_no FROM tickets WHERE event_id = ? AND seat_no IN (?)', [
      booking.eventId,
      booking.seats,
    ]);
    const taken = new Set(ticketed.map((r) => Number(r.seat_no)));
    return { booking, seatsFreed: booking.seats.filter((seat) => !taken.has(seat)) };
  }

  async leaveWaitlist(entry: WaitlistEntryRef, offerTtlMs: number): Promise<EndedBooking | null> {
    let offerId = entry.offerBookingId;
    const endedAt = new Date(Math.floor(Date.now()));
    const leave = (at: Date) => this.leaveWaitlistOnce(entry, offerTtlMs, at, (id) => (offerId = id));
    // After a lost COMMIT (fenced): the offer ended by this call is the answer; otherwise leaving again is harmless.
    const settled = async () => (offerId !== null ? await this.endedBy(offerId, endedAt) : null) ?? leave(new Date(Math.floor(Date.now())));
    return this.lostCommits.changeOrSettle(
      () => leave(endedAt),
      settled,
      () => entry.eventId,
    );
  }

  private async leaveWaitlistOnce(
    entry: WaitlistEntryRef,
    offerTtlMs: number,
    endedAt: Date,
    offerTried: (offerId: number | null) => void,
  ): Promise<EndedBooking | null> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.sql.transaction(async (tx) => {
        // Lock order of every path that touches an offer: event (shared), the offer's booking, then the entry.
        await lockEventShared(tx, entry.eventId);
        if (entry.offerBookingId !== null) await tx.query('SELECT id FROM bookings WHERE id = ? FOR UPDATE', [entry.offerBookingId]);
        const [row] = await tx.query<{ status: string; offer_booking_id: number | null }[]>(
          'SELECT status, offer_booking_id FROM waitlist_entries WHERE id = ? FOR UPDATE',
          [entry.id],
        );
        const offerId = row.offer_booking_id === null ? null : Number(row.offer_booking_id);
        // Offered since it was read: start again, locking that booking first.
        if (offerId !== entry.offerBookingId) return { retry: offerId } as const;
        // Fulfilled (confirmed), expired, left or cancelled: leaving changes nothing, a bought booking stays bought.
        if (row.status !== 'waiting' && row.status !== 'offered') return null;
        await tx.query("UPDATE waitlist_entries SET status = 'left' WHERE id = ?", [entry.id]);
        offerTried(offerId);
        return row.status === 'offered' && offerId !== null ? this.endLocked(tx, offerId, 'released', offerTtlMs, endedAt) : null;
      });
      if (result === null || !('retry' in result)) return result;
      if (attempt >= 3) throw new Error(`waiting-list entry ${entry.id} kept changing while leaving`);
      entry = { ...entry, offerBookingId: result.retry };
    }
  }

  /** Ends a live booking inside `tx`, the event row already locked (shared) by the caller. */
  private async endLocked(
    tx: SqlTransaction,
    id: number,
    to: BookingEnd,
    offerTtlMs: number,
    /** Written as cancelled_at: the mark by which a lost COMMIT's caller recognises its own end (see `endedBy`). */
    endedAt: Date,
  ): Promise<EndedBooking | null> {
    // MySQL's clock decides whether a hold has lapsed, in the same locked read.
    const rows = await tx.query<(BookingRow & { lapsed: number | null })[]>(
      `SELECT ${COLUMNS}, expires_at <= NOW(3) AS lapsed FROM bookings WHERE id = ? FOR UPDATE`,
      [id],
    );
    if (rows.length === 0) return null;
    const booking = toModel(rows[0]);
    const live = booking.status === 'held' || booking.status === 'confirmed';
    const expiredNow = to !== 'expired' || (booking.status === 'held' && Number(rows[0].lapsed) === 1);
    if (!live || !expiredNow) return { booking, seatsFreed: [] };
    const held = await tx.query<{ seat_no: number }[]>('SELECT seat_no FROM tickets WHERE booking_id = ? FOR UPDATE', [id]);
    await tx.query('DELETE FROM tickets WHERE booking_id = ?', [id]);
    // A hold ends released (or expired); a confirmed booking ends cancelled, whichever route asked.
    const status: BookingStatus = booking.status === 'held' ? (to === 'expired' ? 'expired' : 'released') : 'cancelled';
    await tx.query('UPDATE bookings SET status = ?, cancelled_at = ?, expires_at = NULL WHERE id = ?', [status, endedAt, id]);
    // A waiting-list offer that lapses or is released frees its entry's place for good.
    await tx.query("UPDATE waitlist_entries SET status = 'expired' WHERE offer_booking_id = ? AND status = 'offered'", [id]);
    const { leftover } = await offerToWaitlist(
      tx,
      booking.eventId,
      held.map((r) => Number(r.seat_no)),
      offerTtlMs,
    );
    return { booking: { ...booking, status, cancelledAt: endedAt, expiresAt: null }, seatsFreed: leftover };
  }

  async offerNewSeats(eventId: number, seats: number[], offerTtlMs: number, tx: SqlTransaction): Promise<number[]> {
    if (seats.length === 0) return [];
    return (await offerToWaitlist(tx, eventId, seats, offerTtlMs)).leftover;
  }

  async expiredHoldIds(limit: number): Promise<number[]> {
    const rows = await this.sql.query<{ id: number }[]>(
      "SELECT id FROM bookings WHERE status = 'held' AND expires_at <= NOW(3) ORDER BY expires_at LIMIT ?",
      [limit],
    );
    return rows.map((r) => Number(r.id));
  }

  async liveSeatsOf(eventId: number, customerEmail: string, deadline?: Deadline): Promise<number> {
    const rows = await this.sql.query<{ total: string | null }[]>(LIVE_SEATS_OF_CUSTOMER, [eventId, customerEmail], deadline);
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

/** A new booking's columns, in the order both inserts (the procedure's parameters, the INSERT) take them. */
function bookingValues(b: NewBooking, status: BookingStatus, createdAt: Date): unknown[] {
  return [
    b.reference,
    b.secretHash,
    b.eventId,
    b.customerEmail,
    b.quantity,
    status,
    b.holdUntil,
    b.strategy,
    JSON.stringify(b.seats),
    b.idempotencyKeyHash,
    b.requestHash,
    createdAt,
  ];
}

function classifyInsertError(error: unknown): unknown {
  if (error instanceof CustomerLimitExceededError) return error;
  // Before the capacity trigger's 45000: this one says the event was cancelled, not that the pool is stale.
  if (isEventCancelledSignal(error)) return new EventCancelledRefusal(error);
  const driver = error as { code?: string; sqlMessage?: string; sqlState?: string };
  if (driver?.code === 'ER_DUP_ENTRY') {
    if (driver.sqlMessage?.includes('uq_bookings_event_idempotency_key')) return new DuplicateIdempotencyKeyError();
    return new SeatAlreadyTakenError(error);
  }
  // The capacity trigger: Redis offered a seat number the event no longer has.
  if (driver?.sqlState === '45000') return new SeatAlreadyTakenError(error);
  return error;
}
