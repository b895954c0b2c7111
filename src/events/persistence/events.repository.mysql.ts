import { Injectable } from '@nestjs/common';
import type { Deadline } from '../../concurrency/deadline';
import { BoundedSql } from '../../database/bounded-sql';
import type { Event, NewEvent } from '../event.model';
import { EventsRepository } from './events.repository';

interface EventRow {
  id: number;
  name: string;
  starts_at: Date;
  capacity: number;
  price_cents: number;
  strategy: string;
  max_per_customer: number | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, starts_at, capacity, price_cents, strategy, max_per_customer, created_at, updated_at';

const toModel = (r: EventRow): Event => ({
  id: Number(r.id),
  name: r.name,
  startsAt: r.starts_at,
  capacity: Number(r.capacity),
  priceCents: Number(r.price_cents),
  strategy: r.strategy,
  maxPerCustomer: r.max_per_customer === null ? null : Number(r.max_per_customer),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Plain SQL, every wait bounded (BoundedSql); the schema lives in migrations/. */
@Injectable()
export class MysqlEventsRepository extends EventsRepository {
  constructor(private readonly sql: BoundedSql) {
    super();
  }

  async create(input: NewEvent): Promise<Event> {
    const inserted = await this.sql.query<{ insertId: number }>(
      'INSERT INTO events (name, starts_at, capacity, price_cents, strategy, max_per_customer) VALUES (?, ?, ?, ?, ?, ?)',
      [input.name, input.startsAt, input.capacity, input.priceCents, input.strategy, input.maxPerCustomer],
    );
    // Re-read so server-side defaults (timestamps) come back exactly as stored.
    const event = await this.findById(inserted.insertId);
    if (!event) throw new Error(`event ${inserted.insertId} vanished after its insert`);
    return event;
  }

  async findById(id: number, deadline?: Deadline): Promise<Event | null> {
    const rows = await this.sql.query<EventRow[]>(`SELECT ${COLUMNS} FROM events WHERE id = ?`, [id], deadline);
    return rows.length ? toModel(rows[0]) : null;
  }

  async listAfter(afterId: number, limit: number): Promise<Event[]> {
    const rows = await this.sql.query<EventRow[]>(`SELECT ${COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?`, [afterId, limit]);
    return rows.map(toModel);
  }

  async updateStrategy(id: number, strategy: string): Promise<Event | null> {
    const result = await this.sql.query<{ affectedRows: number }>('UPDATE events SET strategy = ? WHERE id = ?', [strategy, id]);
    if (!result.affectedRows) return null;
    return this.findById(id);
  }

  async soldCounts(ids: number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>(ids.map((id) => [id, 0]));
    if (ids.length === 0) return counts;
    const rows = await this.sql.query<{ event_id: number; sold: string | number }[]>(
      'SELECT event_id, COUNT(*) AS sold FROM tickets WHERE event_id IN (?) GROUP BY event_id',
      [ids],
    );
    for (const row of rows) counts.set(Number(row.event_id), Number(row.sold));
    return counts;
  }
}
