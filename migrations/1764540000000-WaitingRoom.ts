import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The waiting room (issue 20): an event's `queue_mode` says whether bookings and
 * holds need an admission from the room, and in which order the pre-queue is
 * admitted at the opening (`fifo` keeps join order, `lottery` shuffles once).
 * The room's own state lives in Redis under the event's hash tag.
 */
export class WaitingRoom1764540000000 implements MigrationInterface {
  name = 'WaitingRoom1764540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE events
        ADD COLUMN queue_mode VARCHAR(10) NOT NULL DEFAULT 'off',
        ADD CONSTRAINT chk_events_queue_mode CHECK (queue_mode IN ('off', 'fifo', 'lottery'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE events DROP CONSTRAINT chk_events_queue_mode, DROP COLUMN queue_mode');
  }
}
