import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * events, bookings, tickets. Written for MySQL 8 and MariaDB 10.6+ alike:
 * no functional defaults beyond CURRENT_TIMESTAMP(3), no generated columns.
 */
export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(200) NOT NULL,
        starts_at DATETIME(3) NOT NULL,
        capacity INT UNSIGNED NOT NULL,
        price_cents INT UNSIGNED NOT NULL DEFAULT 0,
        strategy VARCHAR(16) NOT NULL,
        max_per_customer INT UNSIGNED NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        CONSTRAINT chk_events_capacity CHECK (capacity >= 1),
        CONSTRAINT chk_events_strategy CHECK (strategy IN ('pessimistic', 'optimistic', 'atomic', 'unsafe'))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await q.query(`
      CREATE TABLE bookings (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        event_id INT UNSIGNED NOT NULL,
        customer_email VARCHAR(254) NOT NULL,
        quantity SMALLINT UNSIGNED NOT NULL,
        status VARCHAR(16) NOT NULL,
        strategy VARCHAR(16) NOT NULL,
        seats TEXT NOT NULL,
        idempotency_key VARCHAR(128) NULL,
        request_hash CHAR(64) NULL,
        cancelled_at DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_bookings_event_idempotency_key (event_id, idempotency_key),
        KEY ix_bookings_event_status (event_id, status),
        CONSTRAINT fk_bookings_event FOREIGN KEY (event_id) REFERENCES events (id),
        CONSTRAINT chk_bookings_quantity CHECK (quantity >= 1),
        CONSTRAINT chk_bookings_status CHECK (status IN ('confirmed', 'cancelled'))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await q.query(`
      CREATE TABLE tickets (
        event_id INT UNSIGNED NOT NULL,
        seat_no INT UNSIGNED NOT NULL,
        booking_id INT UNSIGNED NOT NULL,
        PRIMARY KEY (event_id, seat_no),
        KEY ix_tickets_booking (booking_id),
        CONSTRAINT fk_tickets_event FOREIGN KEY (event_id) REFERENCES events (id),
        CONSTRAINT fk_tickets_booking FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE CASCADE,
        CONSTRAINT chk_tickets_seat CHECK (seat_no >= 1)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    // A CHECK cannot look at another table, so the upper bound of a seat number
    // (the event's capacity) is enforced by a trigger: no code path, locked or
    // not, can store seat capacity+1.
    await q.query(`
      CREATE TRIGGER trg_tickets_seat_within_capacity BEFORE INSERT ON tickets
      FOR EACH ROW
      BEGIN
        IF NEW.seat_no > (SELECT capacity FROM events WHERE id = NEW.event_id) THEN
          SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'seat_no exceeds event capacity';
        END IF;
      END`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS trg_tickets_seat_within_capacity');
    await q.query('DROP TABLE tickets');
    await q.query('DROP TABLE bookings');
    await q.query('DROP TABLE events');
  }
}
