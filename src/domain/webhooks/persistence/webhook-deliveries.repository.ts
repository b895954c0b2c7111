import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { BoundedSql } from '../../../platform/database/bounded-sql';
import { subscribes } from './webhook-endpoints.repository';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One webhook for one endpoint, as the admin list shows it. */
export interface WebhookDelivery {
  id: number;
  endpointId: number;
  eventId: number;
  webhookId: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  occurredAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
}

/** The next delivery of a stream (one endpoint, one event), with what sending it needs. */
export interface StreamHead {
  id: number;
  webhookId: string;
  type: string;
  attempts: number;
  due: boolean;
  payload: string;
  occurredAt: Date;
  /** Seconds since the change committed, by MySQL's clock. */
  ageSeconds: number;
  url: string;
  secret: string;
  enabled: boolean;
}

export interface Stream {
  endpointId: number;
  eventId: number;
}

interface DeliveryRow {
  id: number;
  endpoint_id: number;
  event_id: number;
  webhook_id: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  occurred_at: Date;
  created_at: Date;
  finished_at: Date | null;
}

const DELIVERY_COLUMNS = `d.id, d.endpoint_id, d.event_id, d.webhook_id, d.type, d.status, d.attempts, d.next_attempt_at,
  d.last_status_code, d.last_error, o.occurred_at, d.created_at, d.finished_at`;

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: Number(r.id),
  endpointId: Number(r.endpoint_id),
  eventId: Number(r.event_id),
  webhookId: r.webhook_id,
  type: r.type,
  status: r.status,
  attempts: Number(r.attempts),
  nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
  lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
  lastError: r.last_error,
  occurredAt: r.occurred_at,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

/**
 * The worker's side of the outbox, all in MySQL: the outbox is already a
 * durable queue, so there is one source of truth and nothing to keep in step
 * with a second one. Every time comparison uses MySQL's clock (NOW(3), the
 * clock of the column defaults too), so instances with drifting clocks agree
 * on what is due and whose lease ran out.
 */
@Injectable()
export class WebhookDeliveries {
  constructor(private readonly sql: BoundedSql) {}

  /**
   * Turns outbox rows not yet fanned out into one delivery per subscribed
   * enabled endpoint, in outbox order, and marks them fanned out. One fan-out
   * at a time across instances (the lock row): two running side by side could
   * commit a later row's deliveries before an earlier one's, breaking order.
   * The transaction is READ COMMITTED (BoundedSql), so it takes no gap locks:
   * the booking path's outbox inserts never wait for it.
   */
  async fanOut(limit: number): Promise<number> {
    return this.sql.transaction(async (tx) => {
      await tx.query('SELECT id FROM webhook_fanout_lock WHERE id = 1 FOR UPDATE');
      const rows = await tx.query<{ id: number; event_id: number; type: string }[]>(
        'SELECT id, event_id, type FROM webhook_outbox WHERE dispatched_at IS NULL ORDER BY id LIMIT ?',
        [limit],
      );
      if (rows.length === 0) return 0;
      const endpoints = await tx.query<{ id: number; event_types: string }[]>(
        'SELECT id, event_types FROM webhook_endpoints WHERE enabled = 1',
      );
      const deliveries: unknown[][] = [];
      const streams = new Map<string, [number, number]>();
      for (const row of rows) {
        const webhookId = `wh_${randomBytes(16).toString('base64url')}`;
        for (const endpoint of endpoints) {
          if (!subscribes(endpoint.event_types, row.type)) continue;
          deliveries.push([row.id, endpoint.id, row.event_id, webhookId, row.type]);
          streams.set(`${endpoint.id}:${row.event_id}`, [endpoint.id, row.event_id]);
        }
      }
      if (deliveries.length > 0) {
        await tx.query('INSERT IGNORE INTO webhook_deliveries (outbox_id, endpoint_id, event_id, webhook_id, type) VALUES ?', [deliveries]);
        await tx.query('INSERT IGNORE INTO webhook_streams (endpoint_id, event_id) VALUES ?', [[...streams.values()]]);
      }
      await tx.query('UPDATE webhook_outbox SET dispatched_at = NOW(3) WHERE id IN (?)', [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  /**
   * Leases up to `limit` streams with a due pending delivery and no live
   * lease to `owner` for `leaseMs`. SKIP LOCKED: instances claiming at once
   * take different streams instead of queueing on each other's rows.
   */
  async claimStreams(owner: string, leaseMs: number, limit: number): Promise<Stream[]> {
    return this.sql.transaction(async (tx) => {
      const rows = await tx.query<{ endpoint_id: number; event_id: number }[]>(
        `SELECT s.endpoint_id, s.event_id FROM webhook_streams s
          WHERE s.lease_until < NOW(3)
            AND EXISTS (SELECT 1 FROM webhook_deliveries d
                         WHERE d.endpoint_id = s.endpoint_id AND d.event_id = s.event_id
                           AND d.status = 'pending' AND d.next_attempt_at <= NOW(3))
          LIMIT ? FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      for (const r of rows) {
        await tx.query(
          'UPDATE webhook_streams SET lease_until = NOW(3) + INTERVAL ? MICROSECOND, lease_owner = ? WHERE endpoint_id = ? AND event_id = ?',
          [leaseMs * 1000, owner, r.endpoint_id, r.event_id],
        );
      }
      return rows.map((r) => ({ endpointId: Number(r.endpoint_id), eventId: Number(r.event_id) }));
    });
  }

  /** Extends a lease this owner still holds; false when it ran out and may be someone else's now. */
  async renewLease(stream: Stream, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.sql.query<{ affectedRows: number }>(
      `UPDATE webhook_streams SET lease_until = NOW(3) + INTERVAL ? MICROSECOND
        WHERE endpoint_id = ? AND event_id = ? AND lease_owner = ? AND lease_until >= NOW(3)`,
      [leaseMs * 1000, stream.endpointId, stream.eventId, owner],
    );
    return result.affectedRows === 1;
  }

  async releaseLease(stream: Stream, owner: string): Promise<void> {
    await this.sql.query(
      "UPDATE webhook_streams SET lease_until = '1970-01-02', lease_owner = NULL WHERE endpoint_id = ? AND event_id = ? AND lease_owner = ?",
      [stream.endpointId, stream.eventId, owner],
    );
  }

  /**
   * The stream's oldest pending delivery (by outbox order): the only one that
   * may be sent. A later one waits while it is pending, also while it waits
   * for its retry; a dead letter no longer blocks (it is not pending).
   */
  async headOf(stream: Stream): Promise<StreamHead | null> {
    const rows = await this.sql.query<
      {
        id: number;
        webhook_id: string;
        type: string;
        attempts: number;
        due: number;
        payload: string;
        occurred_at: Date;
        age_us: number;
        url: string;
        secret: string;
        enabled: number;
      }[]
    >(
      `SELECT d.id, d.webhook_id, d.type, d.attempts, d.next_attempt_at <= NOW(3) AS due, o.payload, o.occurred_at,
              TIMESTAMPDIFF(MICROSECOND, o.occurred_at, NOW(3)) AS age_us, e.url, e.secret, e.enabled
         FROM webhook_deliveries d
         JOIN webhook_outbox o ON o.id = d.outbox_id
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
        WHERE d.endpoint_id = ? AND d.event_id = ? AND d.status = 'pending'
        ORDER BY d.outbox_id LIMIT 1`,
      [stream.endpointId, stream.eventId],
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    return {
      id: Number(r.id),
      webhookId: r.webhook_id,
      type: r.type,
      attempts: Number(r.attempts),
      due: Number(r.due) === 1,
      payload: r.payload,
      occurredAt: r.occurred_at,
      ageSeconds: Number(r.age_us) / 1e6,
      url: r.url,
      secret: r.secret,
      enabled: Number(r.enabled) === 1,
    };
  }

  async markDelivered(id: number, statusCode: number): Promise<void> {
    await this.sql.query(
      `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status_code = ?, last_error = NULL,
              finished_at = NOW(3) WHERE id = ? AND status = 'pending'`,
      [statusCode, id],
    );
  }

  /** A failed try: due again after `retryInMs`, or a dead letter when `dead`. */
  async markFailed(id: number, failure: { statusCode: number | null; error: string }, retryInMs: number, dead: boolean): Promise<void> {
    await this.sql.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = ?, last_error = ?,
              status = IF(?, 'dead', 'pending'), finished_at = IF(?, NOW(3), NULL),
              next_attempt_at = NOW(3) + INTERVAL ? MICROSECOND
        WHERE id = ? AND status = 'pending'`,
      [failure.statusCode, failure.error.slice(0, 500), dead, dead, retryInMs * 1000, id],
    );
  }

  /** A dead letter back to pending, due now, its tries counted afresh; null when there is none with this id. */
  async replay(id: number): Promise<{ replayed: boolean; status: DeliveryStatus } | null> {
    const result = await this.sql.query<{ affectedRows: number }>(
      `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = NOW(3), finished_at = NULL
        WHERE id = ? AND status = 'dead'`,
      [id],
    );
    if (result.affectedRows === 1) return { replayed: true, status: 'pending' };
    const rows = await this.sql.query<{ status: DeliveryStatus }[]>('SELECT status FROM webhook_deliveries WHERE id = ?', [id]);
    return rows.length ? { replayed: false, status: rows[0].status } : null;
  }

  async findById(id: number): Promise<WebhookDelivery | null> {
    const rows = await this.sql.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.outbox_id WHERE d.id = ?`,
      [id],
    );
    return rows.length ? toDelivery(rows[0]) : null;
  }

  /** Deliveries, oldest first, optionally of one endpoint and/or in one status. */
  async list(filter: { endpointId?: number; status?: DeliveryStatus }, afterId: number, limit: number): Promise<WebhookDelivery[]> {
    const where = ['d.id > ?'];
    const values: unknown[] = [afterId];
    if (filter.endpointId !== undefined) {
      where.push('d.endpoint_id = ?');
      values.push(filter.endpointId);
    }
    if (filter.status !== undefined) {
      where.push('d.status = ?');
      values.push(filter.status);
    }
    const rows = await this.sql.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.outbox_id
        WHERE ${where.join(' AND ')} ORDER BY d.id LIMIT ?`,
      [...values, limit],
    );
    return rows.map(toDelivery);
  }

  /**
   * Seconds the worker is behind: the age of the oldest outbox row not fanned
   * out, or of the oldest due pending delivery, whichever is older (0: none).
   */
  async lagSeconds(): Promise<number> {
    const [row] = await this.sql.query<{ outbox_us: number | null; pending_us: number | null }[]>(
      `SELECT (SELECT TIMESTAMPDIFF(MICROSECOND, MIN(occurred_at), NOW(3)) FROM webhook_outbox WHERE dispatched_at IS NULL) AS outbox_us,
              (SELECT TIMESTAMPDIFF(MICROSECOND, MIN(next_attempt_at), NOW(3)) FROM webhook_deliveries
                WHERE status = 'pending' AND next_attempt_at <= NOW(3)) AS pending_us`,
    );
    return Math.max(0, Number(row?.outbox_us ?? 0), Number(row?.pending_us ?? 0)) / 1e6;
  }

  /**
   * Deletes delivered deliveries finished before the retention, then outbox
   * rows fanned out before it that no delivery refers to any more. Dead
   * letters stay until replayed (or their endpoint is deleted): nothing is
   * dropped unseen. Bounded batches: a purge never holds locks for long.
   */
  async purge(retentionMs: number, batch = 1000): Promise<number> {
    const deliveries = await this.sql.query<{ affectedRows: number }>(
      `DELETE FROM webhook_deliveries WHERE status = 'delivered' AND finished_at < NOW(3) - INTERVAL ? MICROSECOND
        ORDER BY id LIMIT ?`,
      [retentionMs * 1000, batch],
    );
    const outbox = await this.sql.query<{ affectedRows: number }>(
      `DELETE FROM webhook_outbox WHERE dispatched_at < NOW(3) - INTERVAL ? MICROSECOND
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_id = webhook_outbox.id)
        ORDER BY id LIMIT ?`,
      [retentionMs * 1000, batch],
    );
    return deliveries.affectedRows + outbox.affectedRows;
  }
}
