import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A cancelled event sells nothing more, whoever writes: MySQL refuses a live
 * booking (held or confirmed: a booking, a hold, a waiting-list offer), a
 * confirmation and a waiting-list entry for it. The check reads the event row
 * with a shared lock (`LOCK IN SHARE MODE`), so it waits for a cancel in
 * progress (which holds the row exclusively) and a cancel waits for every
 * booking transaction that passed the check: a booking either commits before
 * the cancel, which then cancels it, or is refused. Being triggers, they also
 * cover `insert_booking` and any procedure added later, unchanged.
 *
 * The refusal is SQLSTATE 45000 with the message `event cancelled`
 * (src/domain/bookings/persistence/cancelled-event-refusal.ts recognises it).
 */
export class CancelIsFinal1764510000000 implements MigrationInterface {
  name = 'CancelIsFinal1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TRIGGER trg_bookings_live_only_while_event_on BEFORE INSERT ON bookings
      FOR EACH ROW
      BEGIN
        DECLARE v_cancelled_at DATETIME(3);
        IF NEW.status IN ('held', 'confirmed') THEN
          SELECT cancelled_at INTO v_cancelled_at FROM events WHERE id = NEW.event_id LOCK IN SHARE MODE;
          IF v_cancelled_at IS NOT NULL THEN
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'event cancelled';
          END IF;
        END IF;
      END`);
    await q.query(`
      CREATE TRIGGER trg_bookings_revive_only_while_event_on BEFORE UPDATE ON bookings
      FOR EACH ROW
      BEGIN
        DECLARE v_cancelled_at DATETIME(3);
        IF NEW.status IN ('held', 'confirmed') AND NOT (OLD.status <=> NEW.status) THEN
          SELECT cancelled_at INTO v_cancelled_at FROM events WHERE id = NEW.event_id LOCK IN SHARE MODE;
          IF v_cancelled_at IS NOT NULL THEN
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'event cancelled';
          END IF;
        END IF;
      END`);
    await q.query(`
      CREATE TRIGGER trg_waitlist_join_only_while_event_on BEFORE INSERT ON waitlist_entries
      FOR EACH ROW
      BEGIN
        DECLARE v_cancelled_at DATETIME(3);
        SELECT cancelled_at INTO v_cancelled_at FROM events WHERE id = NEW.event_id LOCK IN SHARE MODE;
        IF v_cancelled_at IS NOT NULL THEN
          SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'event cancelled';
        END IF;
      END`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS trg_waitlist_join_only_while_event_on');
    await q.query('DROP TRIGGER IF EXISTS trg_bookings_revive_only_while_event_on');
    await q.query('DROP TRIGGER IF EXISTS trg_bookings_live_only_while_event_on');
  }
}
