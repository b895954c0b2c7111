import { Injectable } from '@nestjs/common';
import type { Deadline } from '../../../platform/concurrency/deadline';
import { BoundedSql } from '../../../platform/database/bounded-sql';
import { LostCommitSettler } from '../../../platform/database/lost-commit-settler';
import type { Event, EventChanges, NewEvent, QueueMode, SeatCounts } from '../event.model';
import { CapacityBelowSoldError } from '../../../shared/errors/domain-errors';
import { ChangeHook, EventsRepository } from './events.repository';

interface EventRow {
  id: number;
  name: string;
  starts_at: Date;
  sales_start_at: Date | null;
  sales_end_at: Date | null;
  capacity: number;
  price_cents: number;
  strategy: string;
  max_per_customer: number | null;
  checkout_hold_ttl_ms: number | null;
  cancelled_at: Date | null;
  queue_mode: QueueMode;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, name, starts_at, sales_start_at, sales_end_at, capacity, price_cents, strategy, max_per_customer, checkout_hold_ttl_ms, cancelled_at, queue_mode, created_at, updated_at';

const nullableNumber = (v: number | null): number | null => (v === null ? null : Number(v));

const toModel = (r: EventRow): Event => ({
  id: Number(r.id),
  name: r.name,
  startsAt: r.starts_at,
  salesStartAt: r.sales_start_at,
  salesEndAt: r.sales_end_at,
  capacity: Number(r.capacity),
  priceCents: Number(r.price_cents),
  strategy: r.strategy,
  maxPerCustomer: nullableNumber(r.max_per_customer),
  checkoutHoldTtlMs: nullableNumber(r.checkout_hold_ttl_ms),
  cancelledAt: r.cancelled_at,
  queueMode: r.queue_mode,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Column of each changeable field. */
const CHANGE_COLUMNS: Record<keyof EventChanges, string> = {
  name: 'name',
  startsAt: 'starts_at',
  salesStartAt: 'sales_start_at',
  salesEndAt: 'sales_end_at',
  maxPerCustomer: 'max_per_customer',
  checkoutHoldTtlMs: 'checkout_hold_ttl_ms',
  capacity: 'capacity',
  queueMode: 'queue_mode',
};

/** Plain SQL, every wait bounded (BoundedSql); the schema lives in migrations/. */
@Injectable()
export class MysqlEventsRepository extends EventsRepository {
  constructor(
    private readonly sql: BoundedSql,
    private readonly lostCommits: LostCommitSettler,
  ) {
    super();
  }

  async create(input: NewEvent): Promise<Event> {
    const inserted = await this.sql.query<{ insertId: number }>(
      `INSERT INTO events (name, starts_at, sales_start_at, sales_end_at, capacity, price_cents, strategy, max_per_customer, checkout_hold_ttl_ms, queue_mode)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        input.name,
        input.startsAt,
        input.salesStartAt,
        input.salesEndAt,
        input.capacity,
        input.priceCents,
        input.strategy,
        input.maxPerCustomer,
        input.checkoutHoldTtlMs,
        input.queueMode,
      ],
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

  async update(id: number, changes: EventChanges, alsoInTransaction?: ChangeHook): Promise<{ before: Event; after: Event } | null> {
    let firstBefore: Event | undefined;
    const update = () => this.updateOnce(id, changes, (before) => (firstBefore ??= before), alsoInTransaction);
    // After a lost COMMIT the change is made again (setting the same values is harmless) and the hook runs again on
    // that attempt's own before/after: had the first COMMIT landed, it sees no new seat. The caller still gets the
    // first attempt's `before`.
    const settled = async () => {
      const redone = await update();
      return redone && { before: firstBefore ?? redone.before, after: redone.after };
    };
    return this.lostCommits.changeOrSettle(update, settled, () => id);
  }

  private async updateOnce(
    id: number,
    changes: EventChanges,
    seen: (before: Event) => void,
    alsoInTransaction?: ChangeHook,
  ): Promise<{ before: Event; after: Event } | null> {
    return this.sql.transaction(async (tx) => {
      const locked = await tx.query<EventRow[]>(`SELECT ${COLUMNS} FROM events WHERE id = ? FOR UPDATE`, [id]);
      if (locked.length === 0) return null;
      const before = toModel(locked[0]);
      seen(before);
      if (changes.capacity !== undefined && changes.capacity < before.capacity) {
        // Read after the lock: every booking that had a seat in flight has committed by now.
        const [{ highest }] = await tx.query<{ highest: number | null }[]>(
          'SELECT MAX(seat_no) AS highest FROM tickets WHERE event_id = ?',
          [id],
        );
        if (highest !== null && Number(highest) > changes.capacity) throw new CapacityBelowSoldError(Number(highest));
      }
      const fields = Object.entries(changes).filter(([, value]) => value !== undefined) as [keyof EventChanges, unknown][];
      if (fields.length > 0) {
        await tx.query(`UPDATE events SET ${fields.map(([field]) => `${CHANGE_COLUMNS[field]} = ?`).join(', ')} WHERE id = ?`, [
          ...fields.map(([, value]) => value),
          id,
        ]);
      }
      const after = await tx.query<EventRow[]>(`SELECT ${COLUMNS} FROM events WHERE id = ?`, [id]);
      const change = { before, after: toModel(after[0]) };
      await alsoInTransaction?.(tx, change);
      return change;
    });
  }

  async cancel(id: number): Promise<Event | null> {
    // Harmless twice: after a lost COMMIT, cancelling again answers what MySQL has.
    const cancel = () => this.cancelOnce(id);
    return this.lostCommits.changeOrSettle(cancel, cancel, () => id);
  }

  private async cancelOnce(id: number): Promise<Event | null> {
    return this.sql.transaction(async (tx) => {
      const locked = await tx.query<EventRow[]>(`SELECT ${COLUMNS} FROM events WHERE id = ? FOR UPDATE`, [id]);
      if (locked.length === 0) return null;
      if (locked[0].cancelled_at === null) {
        await tx.query('UPDATE events SET cancelled_at = ? WHERE id = ?', [new Date(), id]);
        await tx.query('DELETE FROM tickets WHERE event_id = ?', [id]);
        await tx.query(
          "UPDATE bookings SET status = 'cancelled', cancelled_at = ?, expires_at = NULL WHERE event_id = ? AND status IN ('held', 'confirmed')",
          [new Date(), id],
        );
        await tx.query("UPDATE waitlist_entries SET status = 'cancelled' WHERE event_id = ? AND status IN ('waiting', 'offered')", [id]);
      }
      const after = await tx.query<EventRow[]>(`SELECT ${COLUMNS} FROM events WHERE id = ?`, [id]);
      return toModel(after[0]);
    });
  }

  async seatCounts(ids: number[]): Promise<Map<number, SeatCounts>> {
    const counts = new Map<number, SeatCounts>(ids.map((id) => [id, { sold: 0, held: 0 }]));
    if (ids.length === 0) return counts;
    const rows = await this.sql.query<{ event_id: number; status: string; seats: string | number }[]>(
      `SELECT t.event_id, b.status, COUNT(*) AS seats FROM tickets t JOIN bookings b ON b.id = t.booking_id
       WHERE t.event_id IN (?) GROUP BY t.event_id, b.status`,
      [ids],
    );
    for (const row of rows) {
      const c = counts.get(Number(row.event_id))!;
      if (row.status === 'held') c.held += Number(row.seats);
      else c.sold += Number(row.seats);
    }
    return counts;
  }
}
