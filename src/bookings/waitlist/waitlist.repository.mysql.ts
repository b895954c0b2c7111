import { Injectable } from '@nestjs/common';
import { BoundedSql } from '../../database/bounded-sql';
import { isEventCancelledSignal } from '../persistence/cancelled-event-refusal';
import { JoinRefusal, NewWaitlistEntry, WaitlistEntry, WaitlistRepository, WaitlistStatus } from './waitlist-entry';

interface EntryRow {
  id: number;
  reference: string;
  secret_hash: string;
  event_id: number;
  customer_email: string;
  quantity: number;
  status: WaitlistStatus;
  offer_booking_id: number | null;
  created_at: Date;
}

const COLUMNS = 'id, reference, secret_hash, event_id, customer_email, quantity, status, offer_booking_id, created_at';

const toModel = (r: EntryRow): WaitlistEntry => ({
  id: Number(r.id),
  reference: r.reference,
  secretHash: r.secret_hash,
  eventId: Number(r.event_id),
  customerEmail: r.customer_email,
  quantity: Number(r.quantity),
  status: r.status,
  offerBookingId: r.offer_booking_id === null ? null : Number(r.offer_booking_id),
  createdAt: r.created_at,
});

@Injectable()
export class MysqlWaitlistRepository extends WaitlistRepository {
  constructor(private readonly sql: BoundedSql) {
    super();
  }

  async join(e: NewWaitlistEntry, maxEntries: number): Promise<WaitlistEntry | JoinRefusal> {
    // The event's lock row must exist before the transaction locks it (as for customer_booking_locks).
    await this.sql.query('INSERT IGNORE INTO waitlist_join_locks (event_id) VALUES (?)', [e.eventId]);
    try {
      return await this.sql.transaction(async (tx) => {
        await tx.query('SELECT 1 FROM waitlist_join_locks WHERE event_id = ? FOR UPDATE', [e.eventId]);
        const [{ live }] = await tx.query<{ live: number }[]>(
          "SELECT COUNT(*) AS live FROM waitlist_entries WHERE event_id = ? AND status IN ('waiting', 'offered')",
          [e.eventId],
        );
        if (Number(live) >= maxEntries) return 'full';
        // The triggers refuse a cancelled event and fill live_customer, whose unique key allows one live entry per customer.
        const inserted = await tx.query<{ insertId: number }>(
          "INSERT INTO waitlist_entries (reference, secret_hash, event_id, customer_email, quantity, status) VALUES (?, ?, ?, ?, ?, 'waiting')",
          [e.reference, e.secretHash, e.eventId, e.customerEmail, e.quantity],
        );
        const rows = await tx.query<EntryRow[]>(`SELECT ${COLUMNS} FROM waitlist_entries WHERE id = ?`, [inserted.insertId]);
        return toModel(rows[0]);
      });
    } catch (error) {
      const driver = error as { code?: string; sqlMessage?: string };
      if (driver?.code === 'ER_DUP_ENTRY' && driver.sqlMessage?.includes('uq_waitlist_live_customer')) return 'already-joined';
      if (isEventCancelledSignal(error)) return 'event-cancelled';
      throw error;
    }
  }

  async findByReference(reference: string): Promise<WaitlistEntry | null> {
    const rows = await this.sql.query<EntryRow[]>(`SELECT ${COLUMNS} FROM waitlist_entries WHERE reference = ?`, [reference]);
    return rows.length ? toModel(rows[0]) : null;
  }

  async positionOf(entry: WaitlistEntry): Promise<number | null> {
    if (entry.status !== 'waiting') return null;
    const rows = await this.sql.query<{ n: number }[]>(
      "SELECT COUNT(*) AS n FROM waitlist_entries WHERE event_id = ? AND status = 'waiting' AND id <= ?",
      [entry.eventId, entry.id],
    );
    return Number(rows[0].n);
  }

  async findById(id: number): Promise<WaitlistEntry> {
    const rows = await this.sql.query<EntryRow[]>(`SELECT ${COLUMNS} FROM waitlist_entries WHERE id = ?`, [id]);
    return toModel(rows[0]);
  }
}
