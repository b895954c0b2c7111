import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bookings become addressable only by an unguessable `reference` and owned by
 * whoever holds the booking's secret (stored as a SHA-256 hash, never in clear).
 * Idempotency keys are stored hashed too: a replay derives the booking's secret
 * from the raw key, so a copy of the database must not hold the raw keys.
 *
 * Bookings made before this migration get a random reference and no secret:
 * only an admin can read or cancel them.
 *
 * `customer_booking_locks` has one row per (event, customer) that a booking of
 * an event with `max_per_customer` locks (SELECT ... FOR UPDATE) while it counts
 * the customer's seats, so concurrent bookings of one customer, on any
 * instance, take their turn and the limit holds.
 */
export class BookingOwnership1764200000000 implements MigrationInterface {
  name = 'BookingOwnership1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE bookings
        ADD COLUMN reference VARCHAR(40) NULL AFTER id,
        ADD COLUMN secret_hash CHAR(64) NULL AFTER reference`);
    // UUID() and RAND() are evaluated per row: every old booking gets its own reference.
    await q.query("UPDATE bookings SET reference = CONCAT('bk_', LEFT(SHA2(CONCAT(UUID(), RAND(), id), 256), 32)) WHERE reference IS NULL");
    await q.query('ALTER TABLE bookings MODIFY reference VARCHAR(40) NOT NULL, ADD UNIQUE KEY uq_bookings_reference (reference)');

    await q.query('UPDATE bookings SET idempotency_key = SHA2(idempotency_key, 256) WHERE idempotency_key IS NOT NULL');
    await q.query('ALTER TABLE bookings CHANGE idempotency_key idempotency_key_hash CHAR(64) NULL');

    // The per-customer count and the admin's e-mail search read this.
    await q.query('ALTER TABLE bookings ADD KEY ix_bookings_event_customer (event_id, customer_email, status)');

    await q.query(`
      CREATE TABLE customer_booking_locks (
        event_id INT UNSIGNED NOT NULL,
        customer_email VARCHAR(254) NOT NULL,
        PRIMARY KEY (event_id, customer_email),
        CONSTRAINT fk_customer_booking_locks_event FOREIGN KEY (event_id) REFERENCES events (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE customer_booking_locks');
    await q.query('ALTER TABLE bookings DROP KEY ix_bookings_event_customer');
    // The raw keys are gone; old keys simply stop matching.
    await q.query('ALTER TABLE bookings CHANGE idempotency_key_hash idempotency_key VARCHAR(128) NULL');
    await q.query('ALTER TABLE bookings DROP KEY uq_bookings_reference, DROP COLUMN secret_hash, DROP COLUMN reference');
  }
}
