import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The waiting list as a fair queue, enforced by MySQL:
 * - at most one live (waiting or offered) entry per customer and event: a
 *   unique key over `live_customer`, which the triggers below keep equal to
 *   the e-mail while the entry is live and NULL after (NULLs never collide);
 * - a per-event cap, counted under `waitlist_join_locks`' row of the event, so
 *   concurrent joins (on any instance) take their turn and the cap holds.
 *
 * Entries that were already duplicates keep the earliest live one per
 * customer; later waiting duplicates become `left` (offered ones stay).
 */
export class FairWaitlist1764510000001 implements MigrationInterface {
  name = 'FairWaitlist1764510000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE waitlist_entries w
        JOIN (SELECT event_id, customer_email, MIN(id) AS first_id FROM waitlist_entries
              WHERE status IN ('waiting', 'offered') GROUP BY event_id, customer_email) f
          ON f.event_id = w.event_id AND f.customer_email = w.customer_email
      SET w.status = 'left'
      WHERE w.status = 'waiting' AND w.id <> f.first_id`);
    await q.query('ALTER TABLE waitlist_entries ADD COLUMN live_customer VARCHAR(254) NULL AFTER customer_email');
    await q.query("UPDATE waitlist_entries SET live_customer = customer_email WHERE status IN ('waiting', 'offered')");
    await q.query('ALTER TABLE waitlist_entries ADD UNIQUE KEY uq_waitlist_live_customer (event_id, live_customer)');
    await q.query(`
      CREATE TRIGGER trg_waitlist_live_customer_insert BEFORE INSERT ON waitlist_entries
      FOR EACH ROW
      SET NEW.live_customer = IF(NEW.status IN ('waiting', 'offered'), NEW.customer_email, NULL)`);
    await q.query(`
      CREATE TRIGGER trg_waitlist_live_customer_update BEFORE UPDATE ON waitlist_entries
      FOR EACH ROW
      SET NEW.live_customer = IF(NEW.status IN ('waiting', 'offered'), NEW.customer_email, NULL)`);
    await q.query(`
      CREATE TABLE waitlist_join_locks (
        event_id INT UNSIGNED NOT NULL,
        PRIMARY KEY (event_id),
        CONSTRAINT fk_waitlist_join_locks_event FOREIGN KEY (event_id) REFERENCES events (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE waitlist_join_locks');
    await q.query('DROP TRIGGER IF EXISTS trg_waitlist_live_customer_update');
    await q.query('DROP TRIGGER IF EXISTS trg_waitlist_live_customer_insert');
    await q.query('ALTER TABLE waitlist_entries DROP KEY uq_waitlist_live_customer, DROP COLUMN live_customer');
  }
}
