import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TicketLedger } from './ticket-ledger';

@Injectable()
export class TypeOrmTicketLedger extends TicketLedger {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async ticketedSeats(eventId: number): Promise<number[]> {
    const rows: { seat_no: number }[] = await this.db.query('SELECT seat_no FROM tickets WHERE event_id = ?', [eventId]);
    return rows.map((r) => Number(r.seat_no));
  }

  async ticketedAmong(eventId: number, seats: number[]): Promise<Set<number>> {
    if (seats.length === 0) return new Set();
    const rows: { seat_no: number }[] = await this.db.query(
      'SELECT seat_no FROM tickets WHERE event_id = ? AND seat_no IN (?)',
      [eventId, seats],
    );
    return new Set(rows.map((r) => Number(r.seat_no)));
  }

  async capacityOf(eventId: number): Promise<number | null> {
    const rows: { capacity: number }[] = await this.db.query('SELECT capacity FROM events WHERE id = ?', [eventId]);
    return rows.length ? Number(rows[0].capacity) : null;
  }
}
