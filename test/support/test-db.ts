import { createHash } from 'node:crypto';
import { createPool, Pool, RowDataPacket } from 'mysql2/promise';
import { testEnvironment } from '../setup/test-settings';
import { testRedis } from './test-redis';

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

/** Every table the app writes. */
const TABLES = ['events', 'bookings', 'tickets', 'customer_booking_locks', 'waitlist_entries'];
/** Emptied with the rest, but not part of the sale's state digest. */
const ADMIN_TABLES = ['admin_keys', 'admin_audit'];
/** The webhook outbox and its delivery state; event_live_seats has a row per event (the outbox's sell-out count). */
const WEBHOOK_TABLES = ['event_live_seats', 'webhook_deliveries', 'webhook_streams', 'webhook_outbox', 'webhook_endpoints'];

export async function truncateAll(): Promise<void> {
  const db = testDb();
  await db.query('SET FOREIGN_KEY_CHECKS = 0');
  for (const table of [...TABLES, 'waitlist_join_locks', ...ADMIN_TABLES, ...WEBHOOK_TABLES]) await db.query(`TRUNCATE TABLE ${table}`);
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

/** Everything the app stores, MySQL and Redis, as one digest: "nothing changed" is a comparison, not a hope. */
export async function snapshot(): Promise<string> {
  const digest = createHash('sha256');
  for (const table of TABLES) digest.update(JSON.stringify(await rows(`SELECT * FROM ${table} ORDER BY 1, 2`)));
  const redis = testRedis();
  for (const key of (await redis.keys('*')).sort()) digest.update(key).update((await redis.dump(key)) ?? '');
  return digest.digest('hex');
}
