/**
 * What the bench and the soak both do with the app: run it (or a reference
 * server) as its own process on the bench database, create events through the
 * admin API, and check docs/design.md §1 per event from MySQL and Redis afterwards.
 */
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Pool, RowDataPacket } from 'mysql2/promise';
import { join } from 'node:path';
import { readSaleState } from '../tools/invariants/read-sale-state';
import { Answer, saleViolations } from '../tools/invariants/sale-invariants';
import { freePort, ManagedProcess, startProcess, waitUntilReady } from '../tools/process-control';

export const DIST = join(__dirname, '..');

export interface Server {
  proc: ManagedProcess;
  url: string;
}

/** The caller's environment pointed at the bench database and Redis db (both thrown away per run). */
export function benchEnvironment(): NodeJS.ProcessEnv {
  const dbName = process.env.BENCH_DB_NAME ?? 'seatguard_bench';
  const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  redis.pathname = `/${process.env.BENCH_REDIS_DB ?? '14'}`;
  return { ...process.env, DB_NAME: dbName, REDIS_URL: redis.toString(), REDLOCK_NODES: redis.toString() };
}

/** A token production accepts (it refuses short or placeholder ones), new for every run. */
const BENCH_ADMIN_TOKEN = randomBytes(24).toString('base64url');

/** Settings that make the app behave as it would in production. */
export const PRODUCTION_SETTINGS: NodeJS.ProcessEnv = {
  NODE_ENV: 'production',
  ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
  LOG_LEVEL: 'warn',
  // One load generator is one address: per-client rate limiting would refuse it, not measure it.
  BOOKING_RATE_LIMIT: '0',
};

export async function startServer(script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(process.execPath, [...nodeArgs, join(DIST, script)], { ...env, PORT: String(port), HOST: '127.0.0.1' });
  await waitUntilReady(proc, `${url}/health/ready`);
  return { proc, url };
}

export function adminHeaders(): Record<string, string> {
  return { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' };
}

export interface EventSpec {
  name: string;
  capacity: number;
  strategy: string;
  maxPerCustomer?: number;
}

export async function createEvent(appUrl: string, spec: EventSpec): Promise<number> {
  const res = await fetch(`${appUrl}/api/v1/events`, {
    method: 'POST',
    headers: adminHeaders(),
    body: JSON.stringify({ startsAt: '2027-06-01T19:00:00Z', ...spec }),
  });
  if (res.status !== 201) throw new Error(`creating event "${spec.name}" failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/**
 * docs/design.md §1 for each event: `answers` are the 201s buyers still hold (a
 * cancelled booking's answer no longer promises anything). Returns the tickets
 * sold and every violation, prefixed with its event.
 */
export async function checkEvents(
  db: Pool,
  redis: Redis | undefined,
  events: { id: number; capacity: number }[],
  answers: Answer[],
): Promise<{ sold: number; violations: string[] }> {
  const query = async <T>(sql: string, params: unknown[]) => (await db.query<RowDataPacket[]>(sql, params))[0] as T[];
  let sold = 0;
  const violations: string[] = [];
  for (const { id, capacity } of events) {
    const stored = await readSaleState(query, id, redis);
    sold += stored.tickets.length;
    const own = answers.filter((a) => a.body?.eventId === id);
    violations.push(
      ...saleViolations({ capacity, answers: own, ...stored, expectSoldOut: false, allowedStatuses: [201] }).map(
        (v) => `event ${id}: ${v}`,
      ),
    );
  }
  return { sold, violations };
}
