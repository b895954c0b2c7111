import { createPool, Pool, RowDataPacket } from 'mysql2/promise';
import { testEnvironment } from '../setup/test-settings';

let pool: Pool | undefined;

/** A direct line to the test database, for fixtures and for checking invariants from MySQL itself. */
export function testDb(): Pool {
  const env = testEnvironment();
  pool ??= createPool({
    host: env.DB_HOST,
    port: Number(env.DB_PORT),
    user: env.DB_USER,
    password: env.DB_PASSWORD,
    database: env.DB_NAME,
    connectionLimit: 4,
  });
  return pool;
}

export async function closeTestDb(): Promise<void> {
  await pool?.end();
  pool = undefined;
}

export async function truncateAll(): Promise<void> {
  const db = testDb();
  await db.query('SET FOREIGN_KEY_CHECKS = 0');
  for (const table of ['tickets', 'waitlist_entries', 'bookings', 'customer_booking_locks', 'events'])
    await db.query(`TRUNCATE TABLE ${table}`);
  await db.query('SET FOREIGN_KEY_CHECKS = 1');
}

export async function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const [result] = await testDb().query<RowDataPacket[]>(sql, params);
  return result as T[];
}

export async function tableCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['events', 'bookings', 'tickets']) {
    counts[table] = Number((await rows<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  }
  return counts;
}
