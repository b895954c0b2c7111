import { Injectable } from '@nestjs/common';
import { BoundedSql } from '../../../platform/database/bounded-sql';
import { ADMIN_SCOPES, AdminScope } from '../admin-scopes';
import { AdminKey, AdminKeysRepository, NewAdminKey } from './admin-keys.repository';

interface AdminKeyRow {
  id: number;
  name: string;
  scopes: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, scopes, created_by, created_at, revoked_at';

const toModel = (r: AdminKeyRow): AdminKey => ({
  id: Number(r.id),
  name: r.name,
  // A scope this version does not know (written by a newer one) grants nothing here.
  scopes: r.scopes.split(',').filter((s): s is AdminScope => (ADMIN_SCOPES as readonly string[]).includes(s)),
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

@Injectable()
export class MysqlAdminKeysRepository extends AdminKeysRepository {
  constructor(private readonly sql: BoundedSql) {
    super();
  }

  async create(key: NewAdminKey): Promise<AdminKey> {
    const inserted = await this.sql.query<{ insertId: number }>(
      'INSERT INTO admin_keys (name, key_hash, scopes, created_by) VALUES (?, ?, ?, ?)',
      [key.name, key.keyHash, key.scopes.join(','), key.createdBy],
    );
    const created = await this.findById(inserted.insertId);
    if (!created) throw new Error(`admin key ${inserted.insertId} vanished after its insert`);
    return created;
  }

  async findById(id: number): Promise<AdminKey | null> {
    const rows = await this.sql.query<AdminKeyRow[]>(`SELECT ${COLUMNS} FROM admin_keys WHERE id = ?`, [id]);
    return rows.length ? toModel(rows[0]) : null;
  }

  async findActiveByHash(keyHash: string): Promise<AdminKey | null> {
    const rows = await this.sql.query<AdminKeyRow[]>(`SELECT ${COLUMNS} FROM admin_keys WHERE key_hash = ? AND revoked_at IS NULL`, [
      keyHash,
    ]);
    return rows.length ? toModel(rows[0]) : null;
  }

  async list(afterId: number, limit: number): Promise<AdminKey[]> {
    const rows = await this.sql.query<AdminKeyRow[]>(`SELECT ${COLUMNS} FROM admin_keys WHERE id > ? ORDER BY id LIMIT ?`, [
      afterId,
      limit,
    ]);
    return rows.map(toModel);
  }

  async revoke(id: number): Promise<AdminKey | null> {
    await this.sql.query('UPDATE admin_keys SET revoked_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND revoked_at IS NULL', [id]);
    return this.findById(id);
  }
}
