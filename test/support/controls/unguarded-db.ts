import { createConnection, createPool, Pool, RowDataPacket } from 'mysql2/promise';
import { testEnvironment, TEST_DB_NAME } from '../../setup/test-settings';

/**
 * The control group's database: the test database's tables and its
 * `insert_booking` procedure, without the two guards MySQL adds to the app's
 * own checks — the tickets' primary key (no seat twice), the capacity
 * trigger (no seat beyond capacity) and the bookings' unique Idempotency-Key
 * index (no second booking for one key). The `unsafe` strategy booking into it
 * through the app's one-call insert shows that the proofs' checks catch
 * `tickets > capacity`, which the guarded database never lets happen.
 *
 * Created empty by scripts/setup-database.js next to the test database (the
 * application user may not create databases); filled here from the migrated
 * test database at the start of a suite that needs it.
 */
export const UNGUARDED_DB_NAME = `${TEST_DB_NAME.replace(/_test$/, '')}_unguarded_test`;
/** Far from the test database's event ids, so the two never share Redis keys. */
const FIRST_EVENT_ID = 1_000_000_000;

let pool: Pool | undefined;

function connectionOptions() {
  const env = testEnvironment();
  return { host: env.DB_HOST, port: Number(env.DB_PORT), user: env.DB_USER, password: env.DB_PASSWORD };
}

export async function prepareUnguardedDatabase(): Promise<void> {
  const db = await createConnection({ ...connectionOptions(), database: UNGUARDED_DB_NAME });
  try {
    const [tables] = await db.query<RowDataPacket[]>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [TEST_DB_NAME],
    );
    await db.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const { name } of tables as { name: string }[]) {
      await db.query(`DROP TABLE IF EXISTS \`${name}\``);
      // LIKE copies columns, keys and indexes; not triggers, not foreign keys.
      await db.query(`CREATE TABLE \`${name}\` LIKE \`${TEST_DB_NAME}\`.\`${name}\``);
    }
    await db.query('SET FOREIGN_KEY_CHECKS = 1');
    await db.query('INSERT INTO migrations SELECT * FROM ??.migrations', [TEST_DB_NAME]);
    await db.query('ALTER TABLE tickets DROP PRIMARY KEY, ADD KEY idx_unguarded_tickets_event_seat (event_id, seat_no)');
    // Proof 6's control: nothing in MySQL stops a second booking with the same Idempotency-Key.
    await db.query(
      'ALTER TABLE bookings DROP INDEX uq_bookings_event_idempotency_key, ADD KEY idx_unguarded_bookings_event_key (event_id, idempotency_key_hash)',
    );
    await db.query(`ALTER TABLE events AUTO_INCREMENT = ${FIRST_EVENT_ID}`);
    const [[procedure]] = await db.query<RowDataPacket[]>(`SHOW CREATE PROCEDURE \`${TEST_DB_NAME}\`.insert_booking`);
    await db.query('DROP PROCEDURE IF EXISTS insert_booking');
    // The same body, created here (a DEFINER clause would need privileges the application user lacks).
    await db.query(String(procedure['Create Procedure']).replace(/DEFINER=\S+\s+/, ''));
    const [guards] = await db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM information_schema.triggers WHERE trigger_schema = ? AND event_object_table = 'tickets'",
      [UNGUARDED_DB_NAME],
    );
    if (Number(guards[0].n) !== 0) throw new Error('the unguarded database has a trigger on tickets');
  } finally {
    await db.end();
  }
}

/** Rows from the unguarded database, for readSaleState. */
export async function unguardedRows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  pool ??= createPool({ ...connectionOptions(), database: UNGUARDED_DB_NAME, connectionLimit: 2 });
  const [result] = await pool.query<RowDataPacket[]>(sql, params);
  return result as T[];
}

export async function closeUnguardedDb(): Promise<void> {
  await pool?.end();
  pool = undefined;
}
