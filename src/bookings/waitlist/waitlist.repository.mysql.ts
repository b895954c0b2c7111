import { Injectable } from '@nestjs/common';
import { BoundedSql } from '../../database/bounded-sql';
import { WaitlistEntry, WaitlistRepository, WaitlistStatus } from './waitlist-entry';

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

  async join(e: Pick<WaitlistEntry, 'reference' | 'secretHash' | 'eventId' | 'customerEmail' | 'quantity'>): Promise<WaitlistEntry> {
    const inserted = await this.sql.query<{ insertId: number }>(
      "INSERT INTO waitlist_entries (reference, secret_hash, event_id, customer_email, quantity, status) VALUES (?, ?, ?, ?, ?, 'waiting')",
      [e.reference, e.secretHash, e.eventId, e.customerEmail, e.quantity],
    );
    const rows = await this.sql.query<EntryRow[]>(`SELECT ${COLUMNS} FROM waitlist_entries WHERE id = ?`, [inserted.insertId]);
    return toModel(rows[0]);
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

  async leave(id: number): Promise<WaitlistEntry> {
    await this.sql.query("UPDATE waitlist_entries SET status = 'left' WHERE id = ? AND status IN ('waiting', 'offered')", [id]);
    const rows = await this.sql.query<EntryRow[]>(`SELECT ${COLUMNS} FROM waitlist_entries WHERE id = ?`, [id]);
    return toModel(rows[0]);
  }
}
