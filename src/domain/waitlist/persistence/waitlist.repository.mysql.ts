import { Injectable } from '@nestjs/common';
import { BoundedSql } from '../../../platform/database/bounded-sql';
import { isEventCancelledSignal } from '../../bookings/persistence/cancelled-event-refusal';
import { JoinRefusal, NewWaitlistEntry, WaitlistEntry, WaitlistRepository, WaitlistStatus } from '../waitlist-entry';

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
    let id: number | null;
    try {
      // Lock the event's join row, count, insert, commit: one call (migration JoinWaitlistInOneCall).
      const [rows] = await this.sql.query<[{ id: number | null }[]]>('CALL join_waitlist(?, ?, ?, ?, ?, ?)', [
        e.reference,
        e.secretHash,
        e.eventId,
        e.customerEmail,
        e.quantity,
        maxEntries,
      ]);
      id = rows[0].id === null ? null : Number(rows[0].id);
    } catch (error) {
      const driver = error as { code?: string; sqlMessage?: string };
      // One live entry per customer: the unique key over live_customer, which the triggers keep.
      if (driver?.code === 'ER_DUP_ENTRY' && driver.sqlMessage?.includes('uq_waitlist_live_customer')) return 'already-joined';
      if (isEventCancelledSignal(error)) return 'event-cancelled';
      throw error;
    }
    if (id === null) return 'full';
    return this.findById(id);
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
