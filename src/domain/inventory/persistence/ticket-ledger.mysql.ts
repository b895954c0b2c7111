import { Injectable } from '@nestjs/common';
import { BoundedSql } from '../../../platform/database/bounded-sql';
import { TicketLedger } from './ticket-ledger';

/** Every query bounded by DB_QUERY_TIMEOUT_MS: the sweeper and rebuilds never wait forever on MySQL. */
@Injectable()
export class MysqlTicketLedger extends TicketLedger {
  constructor(private readonly sql: BoundedSql) {
    super();
  }

  async ticketedSeats(eventId: number): Promise<number[]> {
    const rows = await this.sql.query<{ seat_no: number }[]>('SELECT seat_no FROM tickets WHERE event_id = ?', [eventId]);
    return rows.map((r) => Number(r.seat_no));
  }

  async ticketedAmong(eventId: number, seats: number[]): Promise<Set<number>> {
    if (seats.length === 0) return new Set();
    const rows = await this.sql.query<{ seat_no: number }[]>('SELECT seat_no FROM tickets WHERE event_id = ? AND seat_no IN (?)', [
      eventId,
      seats,
    ]);
    return new Set(rows.map((r) => Number(r.seat_no)));
  }

  async liveCapacities(ids?: number[]): Promise<Map<number, number>> {
    if (ids?.length === 0) return new Map();
    const rows = await this.sql.query<{ id: number; capacity: number }[]>(
      `SELECT id, capacity FROM events WHERE cancelled_at IS NULL AND (sales_end_at IS NULL OR sales_end_at > ?)${ids ? ' AND id IN (?)' : ''} ORDER BY id`,
      ids ? [new Date(), ids] : [new Date()],
    );
    return new Map(rows.map((r) => [Number(r.id), Number(r.capacity)]));
  }

  async capacityOf(eventId: number): Promise<number | null> {
    const rows = await this.sql.query<{ capacity: number }[]>('SELECT capacity FROM events WHERE id = ?', [eventId]);
    return rows.length ? Number(rows[0].capacity) : null;
  }

  async isCancelled(eventId: number): Promise<boolean> {
    const rows = await this.sql.query<{ cancelled: number }[]>('SELECT cancelled_at IS NOT NULL AS cancelled FROM events WHERE id = ?', [
      eventId,
    ]);
    return rows.length > 0 && Number(rows[0].cancelled) === 1;
  }
}
