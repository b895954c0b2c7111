import { Injectable } from '@nestjs/common';
import { BoundedSql } from '../../../platform/database/bounded-sql';
import { ALL_EVENT_TYPES } from '../webhook-event-types';

export interface WebhookEndpoint {
  id: number;
  url: string;
  /** The subscribed types, or ['*'] for all. */
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface EndpointChange {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  enabled?: boolean;
}

interface EndpointRow {
  id: number;
  url: string;
  event_types: string;
  description: string | null;
  enabled: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, url, event_types, description, enabled, created_at, updated_at';

const toModel = (r: EndpointRow): WebhookEndpoint => ({
  id: Number(r.id),
  url: r.url,
  eventTypes: r.event_types.split(','),
  description: r.description,
  enabled: Number(r.enabled) === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Whether an endpoint subscribed with `eventTypes` (as stored: comma-separated) receives `type`. */
export function subscribes(eventTypes: string, type: string): boolean {
  return eventTypes.split(',').some((t) => t === ALL_EVENT_TYPES || t === type);
}

/**
 * Webhook endpoints. The signing secret is written here and read only by the
 * delivery worker (WebhookDeliveries), never returned by a read: the admin
 * sees it once, in the answer to a create or a rotation.
 */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(private readonly sql: BoundedSql) {}

  async create(e: { url: string; eventTypes: string[]; description: string | null; secret: string }): Promise<WebhookEndpoint> {
    const inserted = await this.sql.query<{ insertId: number }>(
      'INSERT INTO webhook_endpoints (url, event_types, description, secret) VALUES (?, ?, ?, ?)',
      [e.url, e.eventTypes.join(','), e.description, e.secret],
    );
    const created = await this.findById(inserted.insertId);
    if (!created) throw new Error(`webhook endpoint ${inserted.insertId} vanished after its insert`);
    return created;
  }

  async findById(id: number): Promise<WebhookEndpoint | null> {
    const rows = await this.sql.query<EndpointRow[]>(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = ?`, [id]);
    return rows.length ? toModel(rows[0]) : null;
  }

  async list(afterId: number, limit: number): Promise<WebhookEndpoint[]> {
    const rows = await this.sql.query<EndpointRow[]>(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id > ? ORDER BY id LIMIT ?`, [
      afterId,
      limit,
    ]);
    return rows.map(toModel);
  }

  async update(id: number, change: EndpointChange): Promise<WebhookEndpoint | null> {
    const columns: [string, unknown][] = [
      ['url', change.url],
      ['event_types', change.eventTypes?.join(',')],
      ['description', change.description],
      ['enabled', change.enabled === undefined ? undefined : change.enabled ? 1 : 0],
    ];
    const sets = columns.filter(([, value]) => value !== undefined);
    if (sets.length > 0) {
      await this.sql.query(`UPDATE webhook_endpoints SET ${sets.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ?`, [
        ...sets.map(([, value]) => value),
        id,
      ]);
    }
    return this.findById(id);
  }

  async rotateSecret(id: number, secret: string): Promise<WebhookEndpoint | null> {
    await this.sql.query('UPDATE webhook_endpoints SET secret = ? WHERE id = ?', [secret, id]);
    return this.findById(id);
  }

  /** Deletes the endpoint with its deliveries and streams (ON DELETE CASCADE); false when there was none. */
  async delete(id: number): Promise<boolean> {
    const result = await this.sql.query<{ affectedRows: number }>('DELETE FROM webhook_endpoints WHERE id = ?', [id]);
    return result.affectedRows > 0;
  }
}
