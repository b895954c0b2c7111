import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Named admin keys (only the SHA-256 of each key is kept; a revoked key keeps
 * its row, so the audit log can still name it) and the audit log of every
 * admin change: who, when, the request id, the state before and after.
 */
export class AdminKeysAndAudit1764550000000 implements MigrationInterface {
  name = 'AdminKeysAndAudit1764550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE admin_keys (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(100) NOT NULL,
        key_hash CHAR(64) NOT NULL,
        scopes VARCHAR(100) NOT NULL,
        created_by VARCHAR(120) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        revoked_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_admin_keys_hash (key_hash)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`
      CREATE TABLE admin_audit (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        actor VARCHAR(120) NOT NULL,
        actor_key_id INT UNSIGNED NULL,
        action VARCHAR(40) NOT NULL,
        target_type VARCHAR(20) NOT NULL,
        target_id VARCHAR(40) NULL,
        request_id VARCHAR(64) NULL,
        before_state LONGTEXT NULL,
        after_state LONGTEXT NULL,
        PRIMARY KEY (id),
        KEY ix_admin_audit_target (target_type, target_id, id),
        CONSTRAINT chk_admin_audit_before CHECK (before_state IS NULL OR JSON_VALID(before_state)),
        CONSTRAINT chk_admin_audit_after CHECK (after_state IS NULL OR JSON_VALID(after_state))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE admin_audit');
    await q.query('DROP TABLE admin_keys');
  }
}
