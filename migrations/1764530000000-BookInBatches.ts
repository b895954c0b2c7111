import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Group commit: the bookings of one batch (one event, one instance) and their
 * tickets in ONE transaction and one round trip. Each booking is tried under
 * its own savepoint, so one that fails on its own (a customer over the limit,
 * a reused Idempotency-Key, a seat MySQL already has, the capacity trigger)
 * is rolled back alone and reported, and the others commit. A deadlock or a
 * lock wait timeout ends the whole batch (re-raised): the transaction may be
 * gone, nothing is half-written.
 *
 * Input: a JSON array, one object per booking with the columns of
 * insert_booking (nullable ones left out when null) and `max` (the event's
 * per-customer limit, left out when none). Output: one row with `results`, a
 * JSON array in input order of `{"id": n}` or `{"errno": n, "state": "…", "message": "…"}`.
 * Customer-limit refusals are SQLSTATE 45001.
 */
export class BookInBatches1764530000000 implements MigrationInterface {
  name = 'BookInBatches1764530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE PROCEDURE insert_bookings(IN p_event_id INT UNSIGNED, IN p_bookings LONGTEXT)
      BEGIN
        DECLARE v_n INT DEFAULT JSON_LENGTH(p_bookings);
        DECLARE v_i INT DEFAULT 0;
        DECLARE v_b LONGTEXT;
        DECLARE v_results LONGTEXT DEFAULT '[]';
        DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;
        -- The customers' lock rows exist before the transaction (autocommitted, as on the one-booking path):
        -- inserting them inside would let two first bookings of one customer deadlock.
        WHILE v_i < v_n DO
          SET v_b = JSON_EXTRACT(p_bookings, CONCAT('$[', v_i, ']'));
          IF JSON_EXTRACT(v_b, '$.max') IS NOT NULL THEN
            INSERT IGNORE INTO customer_booking_locks (event_id, customer_email)
              VALUES (p_event_id, JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.email')));
          END IF;
          SET v_i = v_i + 1;
        END WHILE;
        SET v_i = 0;
        START TRANSACTION;
        WHILE v_i < v_n DO
          booking: BEGIN
            DECLARE v_id INT UNSIGNED;
            DECLARE v_email VARCHAR(254);
            DECLARE v_quantity INT;
            DECLARE v_max INT;
            DECLARE v_held INT;
            DECLARE v_seats TEXT;
            DECLARE v_created DATETIME(3);
            DECLARE v_errno INT;
            DECLARE v_state CHAR(5);
            DECLARE v_message TEXT;
            DECLARE EXIT HANDLER FOR SQLEXCEPTION
            BEGIN
              GET DIAGNOSTICS CONDITION 1 v_errno = MYSQL_ERRNO, v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
              -- 1213 deadlock (the transaction is gone), 1205 lock wait timeout: the batch as a whole failed.
              IF v_errno IN (1213, 1205) THEN RESIGNAL; END IF;
              ROLLBACK TO SAVEPOINT one_booking;
              SET v_results = JSON_ARRAY_APPEND(v_results, '$',
                JSON_OBJECT('errno', v_errno, 'state', v_state, 'message', v_message));
            END;
            SET v_b = JSON_EXTRACT(p_bookings, CONCAT('$[', v_i, ']'));
            SET v_email = JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.email'));
            SET v_quantity = JSON_EXTRACT(v_b, '$.quantity');
            SET v_max = JSON_EXTRACT(v_b, '$.max');
            SET v_seats = JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.seats'));
            SET v_created = JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.createdAt'));
            SAVEPOINT one_booking;
            IF v_max IS NOT NULL THEN
              -- The customer's turn, as on the one-booking path: lock the row, count under it.
              SELECT 1 INTO v_held FROM customer_booking_locks WHERE event_id = p_event_id AND customer_email = v_email FOR UPDATE;
              SELECT COALESCE(SUM(quantity), 0) INTO v_held FROM bookings
                WHERE event_id = p_event_id AND customer_email = v_email AND status IN ('confirmed', 'held');
              IF v_held + v_quantity > v_max THEN
                SIGNAL SQLSTATE '45001' SET MESSAGE_TEXT = 'customer limit reached';
              END IF;
            END IF;
            INSERT INTO bookings (reference, secret_hash, event_id, customer_email, quantity, status, expires_at, strategy, seats,
                                  idempotency_key_hash, request_hash, created_at, updated_at)
              VALUES (JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.reference')), JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.secretHash')), p_event_id,
                      v_email, v_quantity, JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.status')), JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.expiresAt')),
                      JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.strategy')), v_seats, JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.keyHash')),
                      JSON_UNQUOTE(JSON_EXTRACT(v_b, '$.requestHash')), v_created, v_created);
            SET v_id = LAST_INSERT_ID();
            INSERT INTO tickets (event_id, seat_no, booking_id)
              SELECT p_event_id, s.seat, v_id FROM JSON_TABLE(v_seats, '$[*]' COLUMNS (seat INT UNSIGNED PATH '$')) AS s;
            SET v_results = JSON_ARRAY_APPEND(v_results, '$', JSON_OBJECT('id', v_id));
          END booking;
          SET v_i = v_i + 1;
        END WHILE;
        COMMIT;
        SELECT v_results AS results;
      END`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP PROCEDURE IF EXISTS insert_bookings');
  }
}
