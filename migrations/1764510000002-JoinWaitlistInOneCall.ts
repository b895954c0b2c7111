import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A waiting-list join as one stored procedure: lock the event's join row,
 * count its live entries, insert, COMMIT, in one round trip, so the lock that
 * makes the per-event cap exact is held for one call, not for four (a burst
 * of joins on one event queues on that row). Returns the new entry's id, or
 * NULL when the list is full; a second live entry of the customer is still
 * ER_DUP_ENTRY on uq_waitlist_live_customer, a cancelled event still the
 * trigger's `event cancelled`.
 */
export class JoinWaitlistInOneCall1764510000002 implements MigrationInterface {
  name = 'JoinWaitlistInOneCall1764510000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE PROCEDURE join_waitlist(
        IN p_reference VARCHAR(40), IN p_secret_hash CHAR(64), IN p_event_id INT UNSIGNED, IN p_email VARCHAR(254),
        IN p_quantity SMALLINT UNSIGNED, IN p_max_entries INT UNSIGNED)
      BEGIN
        DECLARE v_live INT UNSIGNED;
        DECLARE v_locked INT;
        DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;
        -- Outside the transaction: two first joins creating the row inside it could deadlock.
        INSERT IGNORE INTO waitlist_join_locks (event_id) VALUES (p_event_id);
        START TRANSACTION;
        SELECT 1 INTO v_locked FROM waitlist_join_locks WHERE event_id = p_event_id FOR UPDATE;
        SELECT COUNT(*) INTO v_live FROM waitlist_entries WHERE event_id = p_event_id AND status IN ('waiting', 'offered');
        IF v_live >= p_max_entries THEN
          ROLLBACK;
          SELECT NULL AS id;
        ELSE
          INSERT INTO waitlist_entries (reference, secret_hash, event_id, customer_email, quantity, status)
            VALUES (p_reference, p_secret_hash, p_event_id, p_email, p_quantity, 'waiting');
          SELECT LAST_INSERT_ID() INTO v_live;
          COMMIT;
          SELECT v_live AS id;
        END IF;
      END`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP PROCEDURE IF EXISTS join_waitlist');
  }
}
