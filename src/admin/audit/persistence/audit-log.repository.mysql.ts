import { Injectable } from '@nestjs/common';
import { BoundedSql } from '../../../platform/database/bounded-sql';
import { AuditEntry, AuditLogRepository, AuditTargetType, NewAuditEntry } from './audit-log.repository';

interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  actor_key_id: number | null;
  action: string;
  target_type: string;
  target_id: string | null;
  request_id: string | null;
  before_state: string | null;
  after_state: string | null;
}

const json = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));
const parsed = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

@Injectable()
export class MysqlAuditLogRepository extends AuditLogRepository {
  constructor(private readonly sql: BoundedSql) {
    super();
  }

  async append(e: NewAuditEntry): Promise<void> {
    await this.sql.query(
      `INSERT INTO admin_audit (actor, actor_key_id, action, target_type, target_id, request_id, before_state, after_state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [e.actor, e.actorKeyId, e.action, e.targetType, e.targetId, e.requestId, json(e.before), json(e.after)],
    );
  }

  async page(beforeId: number | null, limit: number): Promise<AuditEntry[]> {
    const rows = await this.sql.query<AuditRow[]>(
      `SELECT id, at, actor, actor_key_id, action, target_type, target_id, request_id, before_state, after_state
       FROM admin_audit ${beforeId === null ? '' : 'WHERE id < ?'} ORDER BY id DESC LIMIT ?`,
      beforeId === null ? [limit] : [beforeId, limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      actor: r.actor,
      actorKeyId: r.actor_key_id === null ? null : Number(r.actor_key_id),
      action: r.action,
      targetType: r.target_type as AuditTargetType,
      targetId: r.target_id,
      requestId: r.request_id,
      before: parsed(r.before_state),
      after: parsed(r.after_state),
    }));
  }
}
