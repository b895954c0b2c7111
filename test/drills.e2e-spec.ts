import Redis from 'ioredis';
import { readSaleState } from '../src/invariants/read-sale-state';
import { Answer, saleViolations } from '../src/invariants/sale-invariants';
import { inventoryKeys } from '../src/inventory/inventory-keys';
import { startExtraRedis, ExtraRedis } from '../tools/redis-server';
import { startTcpProxy, TcpProxy } from '../tools/tcp-proxy';
import { TEST_REDIS_URL, testEnvironment } from './setup/test-settings';
import { ChildApp, startChildApp } from './support/child-app';
import { PurchaseLoop, waitFor } from './support/purchase-loop';
import { createEvent } from './support/sale';
import { closeTestDb, rows, truncateAll } from './support/test-db';
import { closeTestRedis, flushTestRedis } from './support/test-redis';

/** Short holds so a seat stranded by a crash is back on sale within the drill. */
const FAST_RECOVERY = { HOLD_TTL_MS: '3000', HOLD_SWEEP_INTERVAL_MS: '300', BOOKING_DEADLINE_MS: '2000', EVENT_CACHE_TTL_MS: '500' };

async function saleViolationsAfter(eventId: number, capacity: number, finals: Answer[], redisUrl: string): Promise<string[]> {
  const redis = new Redis(redisUrl);
  try {
    const stored = await readSaleState(rows, eventId, redis);
    return saleViolations({ capacity, answers: finals, ...stored, expectSoldOut: true });
  } finally {
    redis.disconnect();
  }
}

async function sold(eventId: number): Promise<number> {
  return Number((await rows<{ n: number }>('SELECT COUNT(*) AS n FROM tickets WHERE event_id = ?', [eventId]))[0].n);
}

async function status(url: string): Promise<number> {
  return fetch(url).then((r) => r.status, () => 0);
}

/**
 * DESIGN §1 under faults. Every drill starts its own processes (app
 * instances, redis-servers, a TCP proxy in front of MySQL), breaks one, brings
 * it back, lets the sale finish, and checks the invariants from MySQL.
 */
describe('fault drills', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  const later = <T extends { stop?: () => Promise<unknown>; close?: () => Promise<unknown> }>(thing: T): T => {
    cleanups.push(() => (thing.stop ?? thing.close)!.call(thing));
    return thing;
  };

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  });
  afterAll(async () => {
    await closeTestDb();
    await closeTestRedis();
  });

  it('drill 1: Redis lost mid-sale: 503 + Retry-After, not ready but live; back empty, the inventory is rebuilt and the sale finishes', async () => {
    const redis = later(await startExtraRedis());
    const app = later(await startChildApp({ ...FAST_RECOVERY, REDIS_URL: redis.url, REDLOCK_NODES: redis.url }));
    const capacity = 120;
    const event = await createEvent(app.url, { capacity, strategy: 'atomic' });
    const load = later(new PurchaseLoop(() => [app.url], event.id, 8));

    await waitFor('first sales', async () => (await sold(event.id)) >= 30);
    await redis.kill();
    const down = Date.now();
    await waitFor('503 answers', () => load.count(503, down) >= 5);
    expect(await status(`${app.url}/health/ready`)).toBe(503);
    expect(await status(`${app.url}/health/live`)).toBe(200);
    const refused = load.attempts.filter((a) => a.at >= down && a.status === 503);
    expect(refused.every((a) => a.retryAfter !== null && ['REDIS_UNAVAILABLE', 'DEADLINE_EXCEEDED'].includes(a.code!))).toBe(true);
    const soldWhileDown = await sold(event.id);

    await redis.restart(); // empty: no RDB, no AOF
    await waitFor('ready again', async () => (await status(`${app.url}/health/ready`)) === 200);
    await waitFor('sale finished', async () => (await sold(event.id)) === capacity && load.soldOut(), 30_000);
    await load.stop();

    expect(soldWhileDown).toBeLessThan(capacity);
    expect(await saleViolationsAfter(event.id, capacity, load.finals, redis.url)).toEqual([]);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/seatguard_inventory_rebuilds_total\{reason="missing"\} [1-9]/);
    process.stdout.write(`[drill 1] ${load.count(503)} answers 503 while Redis was away; sold ${capacity}/${capacity}\n`);
  });

  it('drill 2: MySQL cut off mid-booking: 503, taken seats go back to Redis; reconnected, the sale finishes', async () => {
    const env = testEnvironment();
    const proxy: TcpProxy = later(await startTcpProxy(env.DB_HOST, Number(env.DB_PORT)));
    const app = later(await startChildApp({ ...FAST_RECOVERY, DB_PORT: String(proxy.port), DB_CONNECT_TIMEOUT_MS: '1000' }));
    const capacity = 120;
    const event = await createEvent(app.url, { capacity, strategy: 'optimistic' });
    const load = later(new PurchaseLoop(() => [app.url], event.id, 8));

    await waitFor('first sales', async () => (await sold(event.id)) >= 30);
    await proxy.cut();
    const cut = Date.now();
    await waitFor('503 answers', () => load.count(503, cut) >= 10);
    const soldDuringCut = await sold(event.id);
    // Seats taken by the failed bookings were given back: free + sold accounts for every seat.
    const redis = new Redis(TEST_REDIS_URL);
    const free = await redis.zcard(inventoryKeys(event.id).free);
    const held = await redis.zcard(inventoryKeys(event.id).held);
    redis.disconnect();
    expect(free + soldDuringCut).toBeGreaterThanOrEqual(capacity - 8); // at most the 8 in flight are held
    expect(held - soldDuringCut).toBeLessThanOrEqual(8);
    expect(load.attempts.filter((a) => a.at >= cut && a.status === 503).every((a) => a.retryAfter !== null)).toBe(true);

    await proxy.restore();
    await waitFor('sale finished', async () => (await sold(event.id)) === capacity && load.soldOut(), 30_000);
    await load.stop();
    expect(await saleViolationsAfter(event.id, capacity, load.finals, TEST_REDIS_URL)).toEqual([]);
    process.stdout.write(`[drill 2] ${load.count(503)} answers 503 while MySQL was cut off; sold ${capacity}/${capacity}\n`);
  });

  it('drill 3: kill -9 one of three instances mid-sale and restart it: nothing stranded, sold == capacity', async () => {
    const apps: ChildApp[] = await Promise.all([0, 1, 2].map(() => startChildApp(FAST_RECOVERY)));
    apps.forEach((a) => later(a));
    const capacity = 150;
    const event = await createEvent(apps[0].url, { capacity, strategy: 'pessimistic' });
    const live = () => apps.map((a) => a.url);
    const load = later(new PurchaseLoop(live, event.id, 12));

    await waitFor('first sales', async () => (await sold(event.id)) >= 40);
    await apps[1].stop('SIGKILL');
    await waitFor('a dropped connection', () => load.count(0) >= 1);
    apps[1] = later(await startChildApp(FAST_RECOVERY));
    await waitFor('sale finished', async () => (await sold(event.id)) === capacity && load.soldOut(), 40_000);
    await load.stop();

    expect(await saleViolationsAfter(event.id, capacity, load.finals, TEST_REDIS_URL)).toEqual([]);
    process.stdout.write(`[drill 3] ${load.count(0)} attempts lost with the killed instance, retried elsewhere; sold ${capacity}/${capacity}\n`);
  });

  it('drill 4: Redlock over three masters: one lost, sales go on; two lost, 503 LOCK_QUORUM_UNAVAILABLE; back, the sale finishes', async () => {
    const nodes: ExtraRedis[] = [];
    for (let i = 0; i < 3; i++) nodes.push(later(await startExtraRedis()));
    const app = later(await startChildApp({ ...FAST_RECOVERY, REDLOCK_NODES: nodes.map((n) => n.url).join(',') }));
    const capacity = 150;
    const event = await createEvent(app.url, { capacity, strategy: 'pessimistic' });
    const load = later(new PurchaseLoop(() => [app.url], event.id, 6));

    await waitFor('first sales', async () => (await sold(event.id)) >= 20);
    await nodes[0].kill();
    const oneDown = await sold(event.id);
    await waitFor('sales with one master down', async () => (await sold(event.id)) >= oneDown + 20);

    await nodes[1].kill();
    const twoDown = Date.now();
    await waitFor('quorum refusals', () => load.attempts.some((a) => a.at >= twoDown && a.code === 'LOCK_QUORUM_UNAVAILABLE'));
    const soldWithoutQuorum = await sold(event.id);
    await waitFor('more refusals', () => load.count(503, twoDown) >= 5);
    // Bookings already past the lock may finish; no new one gets through.
    expect(await sold(event.id)).toBeLessThanOrEqual(soldWithoutQuorum + 6);

    await nodes[0].restart();
    await nodes[1].restart();
    await waitFor('sale finished', async () => (await sold(event.id)) === capacity && load.soldOut(), 30_000);
    await load.stop();
    expect(await saleViolationsAfter(event.id, capacity, load.finals, TEST_REDIS_URL)).toEqual([]);
    process.stdout.write(`[drill 4] ${load.count(503)} answers 503 without quorum; sold ${capacity}/${capacity}\n`);
  });

  it('drill 5: SIGTERM under load: not ready first, in-flight bookings complete, exit 0 within the grace period, nothing stranded', async () => {
    const other = later(await startChildApp(FAST_RECOVERY));
    const leaving = await startChildApp({ ...FAST_RECOVERY, SHUTDOWN_GRACE_MS: '5000' });
    later(leaving);
    const capacity = 300;
    const event = await createEvent(other.url, { capacity, strategy: 'pessimistic' });
    let targets = [leaving.url, other.url];
    const load = later(new PurchaseLoop(() => targets, event.id, 10));
    await waitFor('first sales', async () => (await sold(event.id)) >= 30);

    const signalled = Date.now();
    const exit = leaving.stop('SIGTERM');
    await waitFor('not ready', async () => (await status(`${leaving.url}/health/ready`)) === 503, 2000);
    const notReadyAt = Date.now();
    // A load balancer now stops routing to it.
    targets = [other.url];
    const code = await exit;
    const exitedAt = Date.now();
    expect(code).toBe(0);
    expect(exitedAt - signalled).toBeLessThan(5000);
    expect(notReadyAt).toBeLessThan(exitedAt);
    expect(await status(`${leaving.url}/health/live`)).toBe(0); // refused: it is gone

    await waitFor('sale finished', async () => (await sold(event.id)) === capacity && load.soldOut(), 30_000);
    await load.stop();
    const redis = new Redis(TEST_REDIS_URL);
    expect(await redis.exists(inventoryKeys(event.id).lock)).toBe(0);
    redis.disconnect();
    expect(await saleViolationsAfter(event.id, capacity, load.finals, TEST_REDIS_URL)).toEqual([]);
    // Requests it had accepted were answered, not dropped.
    const dropped = load.attempts.filter((a) => a.status === 0 && a.at < notReadyAt).length;
    expect(dropped).toBe(0);
    process.stdout.write(`[drill 5] not ready after ${notReadyAt - signalled} ms, exit 0 after ${exitedAt - signalled} ms\n`);
  });
});
