import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks from a transactional outbox (issue 24, DESIGN §7).
 *
 * The outbox rows are written by TRIGGERS on bookings, events and
 * waitlist_entries, so each one commits or rolls back with the change that
 * caused it, whichever path made it (insert_booking, insert_bookings, the
 * checkout, the expiry sweep, waiting-list offers, an event's PATCH or
 * cancel, and any procedure added later), with no change to that code.
 *
 *   bookings INSERT held                 -> hold.created
 *   bookings INSERT confirmed            -> booking.confirmed
 *   bookings UPDATE held -> confirmed    -> booking.confirmed
 *   bookings UPDATE -> cancelled         -> booking.cancelled
 *   bookings UPDATE held -> expired      -> hold.expired
 *   waitlist_entries UPDATE -> offered   -> waitlist.offered
 *   events UPDATE cancelled_at set       -> event.cancelled
 *   events UPDATE of what a buyer sees   -> event.changed (a strategy switch is internal, not a change)
 *   the live seats reach the capacity    -> event.sold_out (once per sell-out)
 *
 * A row is written only while at least one endpoint is enabled (a tiny table,
 * read per change): without one, nobody could receive it.
 *
 * `event_live_seats` counts each event's held + confirmed seats (the tickets
 * it has), kept by the same triggers, so the sell-out is seen exactly by the
 * transaction that takes the last seat (its UPDATE reads the latest count
 * under the row's lock), and again after seats came back and sold again.
 *
 * The delivery side: `webhook_endpoints` (URL, event types, signing secret),
 * `webhook_deliveries` (one row per outbox row and endpoint, made by the
 * worker's fan-out), `webhook_streams` (one lease per endpoint and event: who
 * delivers that event's webhooks to that endpoint now, which keeps them in
 * order), and `webhook_fanout_lock` (one row: one fan-out at a time).
 */
export class WebhookOutbox1764600000000 implements MigrationInterface {
  name = 'WebhookOutbox1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        url VARCHAR(2048) NOT NULL,
        event_types VARCHAR(400) NOT NULL,
        description VARCHAR(200) NULL,
        secret VARCHAR(100) NOT NULL,
        enabled TINYINT(1) NOT NULL DEFAULT 1,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY ix_webhook_endpoints_enabled (enabled)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    // No foreign key: the booking path pays one plain insert, not a parent lookup and its lock.
    await q.query(`
      CREATE TABLE webhook_outbox (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        event_id INT UNSIGNED NOT NULL,
        type VARCHAR(32) NOT NULL,
        payload TEXT NOT NULL,
        occurred_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        dispatched_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        KEY ix_webhook_outbox_undispatched (dispatched_at, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        outbox_id BIGINT UNSIGNED NOT NULL,
        endpoint_id INT UNSIGNED NOT NULL,
        event_id INT UNSIGNED NOT NULL,
        webhook_id VARCHAR(40) NOT NULL,
        type VARCHAR(32) NOT NULL,
        status VARCHAR(12) NOT NULL DEFAULT 'pending',
        attempts SMALLINT UNSIGNED NOT NULL DEFAULT 0,
        next_attempt_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        last_status_code SMALLINT UNSIGNED NULL,
        last_error VARCHAR(500) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        finished_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_webhook_deliveries_outbox_endpoint (outbox_id, endpoint_id),
        KEY ix_webhook_deliveries_stream (endpoint_id, event_id, status, outbox_id),
        KEY ix_webhook_deliveries_endpoint (endpoint_id, id),
        KEY ix_webhook_deliveries_status (status, finished_at),
        CONSTRAINT fk_webhook_deliveries_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        CONSTRAINT chk_webhook_deliveries_status CHECK (status IN ('pending', 'delivered', 'dead'))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`
      CREATE TABLE webhook_streams (
        endpoint_id INT UNSIGNED NOT NULL,
        event_id INT UNSIGNED NOT NULL,
        lease_until DATETIME(3) NOT NULL DEFAULT '1970-01-02 00:00:00.000',
        lease_owner VARCHAR(64) NULL,
        PRIMARY KEY (endpoint_id, event_id),
        KEY ix_webhook_streams_lease (lease_until),
        CONSTRAINT fk_webhook_streams_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query('CREATE TABLE webhook_fanout_lock (id TINYINT UNSIGNED NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB');
    await q.query('INSERT INTO webhook_fanout_lock (id) VALUES (1)');

    await q.query(`
      CREATE TABLE event_live_seats (
        event_id INT UNSIGNED NOT NULL,
        live_seats INT NOT NULL DEFAULT 0,
        PRIMARY KEY (event_id),
        CONSTRAINT fk_event_live_seats_event FOREIGN KEY (event_id) REFERENCES events (id)
      ) ENGINE=InnoDB`);
    await q.query(`
      INSERT INTO event_live_seats (event_id, live_seats)
        SELECT e.id, (SELECT COUNT(*) FROM tickets t WHERE t.event_id = e.id) FROM events e`);
    await q.query(`
      CREATE TRIGGER trg_events_live_seats_row AFTER INSERT ON events
      FOR EACH ROW
      INSERT INTO event_live_seats (event_id, live_seats) VALUES (NEW.id, 0)`);

    await q.query(`
      CREATE TRIGGER trg_bookings_outbox_insert AFTER INSERT ON bookings
      FOR EACH ROW
      BEGIN
        DECLARE v_live INT;
        DECLARE v_capacity INT;
        IF NEW.status IN ('held', 'confirmed') THEN
          -- The count's row first: its lock (held to COMMIT) orders this event's booking transactions, so their
          -- outbox ids are in commit order and the fan-out never sees a later one before an earlier one.
          UPDATE event_live_seats SET live_seats = live_seats + NEW.quantity WHERE event_id = NEW.event_id;
          IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) THEN
            INSERT INTO webhook_outbox (event_id, type, payload) VALUES (NEW.event_id,
              IF(NEW.status = 'held', 'hold.created', 'booking.confirmed'),
              JSON_OBJECT('reference', NEW.reference, 'eventId', NEW.event_id, 'status', NEW.status, 'quantity', NEW.quantity,
                          'seats', JSON_EXTRACT(NEW.seats, '$'), 'customerEmail', NEW.customer_email,
                          'expiresAt', NEW.expires_at, 'at', NEW.created_at));
          END IF;
          SELECT l.live_seats, e.capacity INTO v_live, v_capacity
            FROM event_live_seats l JOIN events e ON e.id = l.event_id WHERE l.event_id = NEW.event_id;
          IF v_live >= v_capacity AND v_live - NEW.quantity < v_capacity
             AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) THEN
            INSERT INTO webhook_outbox (event_id, type, payload) VALUES (NEW.event_id, 'event.sold_out',
              JSON_OBJECT('eventId', NEW.event_id, 'capacity', v_capacity, 'at', UTC_TIMESTAMP(3)));
          END IF;
        END IF;
      END`);
    await q.query(`
      CREATE TRIGGER trg_bookings_outbox_update AFTER UPDATE ON bookings
      FOR EACH ROW
      BEGIN
        DECLARE v_type VARCHAR(32) DEFAULT NULL;
        IF NOT (OLD.status <=> NEW.status) THEN
          IF OLD.status IN ('held', 'confirmed') AND NEW.status NOT IN ('held', 'confirmed') THEN
            UPDATE event_live_seats SET live_seats = live_seats - OLD.quantity WHERE event_id = NEW.event_id;
          END IF;
          IF OLD.status = 'held' AND NEW.status = 'confirmed' THEN SET v_type = 'booking.confirmed';
          ELSEIF NEW.status = 'cancelled' THEN SET v_type = 'booking.cancelled';
          ELSEIF OLD.status = 'held' AND NEW.status = 'expired' THEN SET v_type = 'hold.expired';
          END IF;
          IF v_type IS NOT NULL AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) THEN
            INSERT INTO webhook_outbox (event_id, type, payload) VALUES (NEW.event_id, v_type,
              JSON_OBJECT('reference', NEW.reference, 'eventId', NEW.event_id, 'status', NEW.status, 'previousStatus', OLD.status,
                          'quantity', NEW.quantity, 'seats', JSON_EXTRACT(NEW.seats, '$'), 'customerEmail', NEW.customer_email,
                          'at', UTC_TIMESTAMP(3)));
          END IF;
        END IF;
      END`);
    await q.query(`
      CREATE TRIGGER trg_waitlist_outbox_offer AFTER UPDATE ON waitlist_entries
      FOR EACH ROW
      BEGIN
        IF NEW.status = 'offered' AND NOT (OLD.status <=> 'offered') AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) THEN
          INSERT INTO webhook_outbox (event_id, type, payload)
            SELECT NEW.event_id, 'waitlist.offered',
                   JSON_OBJECT('waitlistReference', NEW.reference, 'eventId', NEW.event_id, 'quantity', NEW.quantity,
                               'customerEmail', NEW.customer_email, 'holdReference', b.reference, 'seats', JSON_EXTRACT(b.seats, '$'),
                               'expiresAt', b.expires_at, 'at', UTC_TIMESTAMP(3))
              FROM bookings b WHERE b.id = NEW.offer_booking_id;
        END IF;
      END`);
    await q.query(`
      CREATE TRIGGER trg_events_outbox_update AFTER UPDATE ON events
      FOR EACH ROW
      BEGIN
        DECLARE v_live INT;
        IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) THEN
          IF OLD.cancelled_at IS NULL AND NEW.cancelled_at IS NOT NULL THEN
            INSERT INTO webhook_outbox (event_id, type, payload) VALUES (NEW.id, 'event.cancelled',
              JSON_OBJECT('eventId', NEW.id, 'name', NEW.name, 'at', NEW.cancelled_at));
          ELSEIF NOT (OLD.name <=> NEW.name AND OLD.starts_at <=> NEW.starts_at AND OLD.sales_start_at <=> NEW.sales_start_at
                      AND OLD.sales_end_at <=> NEW.sales_end_at AND OLD.capacity <=> NEW.capacity AND OLD.price_cents <=> NEW.price_cents
                      AND OLD.max_per_customer <=> NEW.max_per_customer AND OLD.checkout_hold_ttl_ms <=> NEW.checkout_hold_ttl_ms
                      AND OLD.queue_mode <=> NEW.queue_mode) THEN
            INSERT INTO webhook_outbox (event_id, type, payload) VALUES (NEW.id, 'event.changed',
              JSON_OBJECT('eventId', NEW.id, 'name', NEW.name, 'startsAt', NEW.starts_at, 'salesStartAt', NEW.sales_start_at,
                          'salesEndAt', NEW.sales_end_at, 'capacity', NEW.capacity, 'priceCents', NEW.price_cents,
                          'maxPerCustomer', NEW.max_per_customer, 'queueMode', NEW.queue_mode, 'at', UTC_TIMESTAMP(3)));
            -- A capacity cut down to what is already sold is a sell-out too.
            IF OLD.capacity <> NEW.capacity AND NEW.cancelled_at IS NULL THEN
              SELECT live_seats INTO v_live FROM event_live_seats WHERE event_id = NEW.id;
              IF v_live >= NEW.capacity AND v_live < OLD.capacity THEN
                INSERT INTO webhook_outbox (event_id, type, payload) VALUES (NEW.id, 'event.sold_out',
                  JSON_OBJECT('eventId', NEW.id, 'capacity', NEW.capacity, 'at', UTC_TIMESTAMP(3)));
              END IF;
            END IF;
          END IF;
        END IF;
      END`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS trg_events_outbox_update');
    await q.query('DROP TRIGGER IF EXISTS trg_waitlist_outbox_offer');
    await q.query('DROP TRIGGER IF EXISTS trg_bookings_outbox_update');
    await q.query('DROP TRIGGER IF EXISTS trg_bookings_outbox_insert');
    await q.query('DROP TRIGGER IF EXISTS trg_events_live_seats_row');
    await q.query('DROP TABLE event_live_seats');
    await q.query('DROP TABLE webhook_fanout_lock');
    await q.query('DROP TABLE webhook_streams');
    await q.query('DROP TABLE webhook_deliveries');
    await q.query('DROP TABLE webhook_outbox');
    await q.query('DROP TABLE webhook_endpoints');
  }
}
