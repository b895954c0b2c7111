import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Checkout: a booking can be a hold (`held`, with `expires_at`) that is
 * confirmed, released or expires; a hold's seats have ticket rows like a
 * confirmed booking's, so the primary key and the capacity trigger guard
 * held + sold <= capacity alike, and a restart or a Redis loss keeps them.
 * Events get a sale window, a per-event hold time, and can be cancelled.
 * The waiting list is a queue per event; an entry offered seats points at the
 * hold made for it (the entry's secret is that hold's secret too).
 */
export class Checkout1764300000000 implements MigrationInterface {
  name = 'Checkout1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE bookings DROP CONSTRAINT chk_bookings_status');
    await q.query(`
      ALTER TABLE bookings
        ADD COLUMN expires_at DATETIME(3) NULL AFTER status,
        ADD CONSTRAINT chk_bookings_status CHECK (status IN ('held', 'confirmed', 'cancelled', 'released', 'expired')),
        ADD KEY ix_bookings_status_expires (status, expires_at)`);
    await q.query(`
      ALTER TABLE events
        ADD COLUMN sales_start_at DATETIME(3) NULL AFTER starts_at,
        ADD COLUMN sales_end_at DATETIME(3) NULL AFTER sales_start_at,
        ADD COLUMN checkout_hold_ttl_ms INT UNSIGNED NULL AFTER max_per_customer,
        ADD COLUMN cancelled_at DATETIME(3) NULL AFTER checkout_hold_ttl_ms,
        ADD CONSTRAINT chk_events_sale_window CHECK (sales_end_at IS NULL OR sales_start_at IS NULL OR sales_end_at > sales_start_at)`);
    await q.query(`
      CREATE TABLE waitlist_entries (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        reference VARCHAR(40) NOT NULL,
        secret_hash CHAR(64) NOT NULL,
        event_id INT UNSIGNED NOT NULL,
        customer_email VARCHAR(254) NOT NULL,
        quantity SMALLINT UNSIGNED NOT NULL,
        status VARCHAR(16) NOT NULL,
        offer_booking_id INT UNSIGNED NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_waitlist_reference (reference),
        KEY ix_waitlist_event_status (event_id, status, id),
        KEY ix_waitlist_offer (offer_booking_id),
        CONSTRAINT fk_waitlist_event FOREIGN KEY (event_id) REFERENCES events (id),
        CONSTRAINT fk_waitlist_offer FOREIGN KEY (offer_booking_id) REFERENCES bookings (id),
        CONSTRAINT chk_waitlist_quantity CHECK (quantity >= 1),
        CONSTRAINT chk_waitlist_status CHECK (status IN ('waiting', 'offered', 'fulfilled', 'expired', 'left', 'cancelled'))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE waitlist_entries');
    await q.query(`
      ALTER TABLE events DROP CONSTRAINT chk_events_sale_window,
        DROP COLUMN cancelled_at, DROP COLUMN checkout_hold_ttl_ms, DROP COLUMN sales_end_at, DROP COLUMN sales_start_at`);
    await q.query("DELETE FROM tickets WHERE booking_id IN (SELECT id FROM bookings WHERE status = 'held')");
    await q.query("UPDATE bookings SET status = 'cancelled' WHERE status IN ('held', 'released', 'expired')");
    await q.query('ALTER TABLE bookings DROP CONSTRAINT chk_bookings_status, DROP KEY ix_bookings_status_expires, DROP COLUMN expires_at');
    await q.query("ALTER TABLE bookings ADD CONSTRAINT chk_bookings_status CHECK (status IN ('confirmed', 'cancelled'))");
  }
}
