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

interface Sale {
  eventId: number;
  capacity: number;
  load: PurchaseLoop;
}

interface SaleSetup {
  /** Where to create the event (admin API). */
  adminUrl: string;
  /** Instances the buyers spread over; read on every purchase. */
  urls: () => string[];
  capacity: number;
  strategy: string;
  workers: number;
  /** Tickets sold before the drill breaks anything. */
  firstSales: number;
}

/** An event on sale and buyers at work; `track` gets the buyers at once, so they are stopped even if the drill fails early. */
async function openSale(o: SaleSetup, track: (load: PurchaseLoop) => void): Promise<Sale> {
  const { adminUrl, urls, capacity, strategy, workers, firstSales } = o;
  const event = await createEvent(adminUrl, { capacity, strategy });
  const load = new PurchaseLoop(urls, event.id, workers);
  track(load);
  await waitFor('first sales', async () => (await sold(event.id)) >= firstSales);
  return { eventId: event.id, capacity, load };
}

/** Waits until every seat is sold and buyers hear SOLD_OUT, stops them, and returns DESIGN §1's violations. */
async function finishSale({ eventId, capacity, load }: Sale, redisUrl: string, timeoutMs = 30_000): Promise<string[]> {
  await waitFor('sale finished', async () => (await sold(eventId)) === capacity && load.soldOut(), timeoutMs);
  await load.stop();
  const redis = new Redis(redisUrl);
  try {
    const stored = await readSaleState(rows, eventId, redis);
    const violations = saleViolations({ capacity, answers: load.finals, ...stored, expectSoldOut: true });
    if (load.unanswered.length) violations.push(`${load.unanswered.length} purchases never got a final answer (still 503 or no answer 30 s after the buyers stopped)`);
    return violations;
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
  const openTrackedSale = (o: SaleSetup) => openSale(o, (load) => later(load));

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
    const sale = await openTrackedSale({ adminUrl: app.url, urls: () => [app.url], capacity: 120, strategy: 'atomic', workers: 8, firstSales: 30 });
    const { eventId, capacity, load } = sale;
    await redis.kill();
    const down = Date.now();
    await waitFor('503 answers', () => load.count(503, down) >= 5);
    expect(await status(`${app.url}/health/ready`)).toBe(503);
    expect(await status(`${app.url}/health/live`)).toBe(200);
    const refused = load.attempts.filter((a) => a.at >= down && a.status === 503);
    expect(refused.every((a) => a.retryAfter !== null && ['REDIS_UNAVAILABLE', 'DEADLINE_EXCEEDED'].includes(a.code!))).toBe(true);
    const soldWhileDown = await sold(eventId);

    await redis.restart(); // empty: no RDB, no AOF
    await waitFor('ready again', async () => (await status(`${app.url}/health/ready`)) === 200);
    expect(await finishSale(sale, redis.url)).toEqual([]);
    expect(soldWhileDown).toBeLessThan(capacity);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/seatguard_inventory_rebuilds_total\{reason="missing"\} [1-9]/);
    process.stdout.write(`[drill 1] ${load.count(503)} answers 503 while Redis was away; sold ${capacity}/${capacity}\n`);
  });

  it('drill 2: MySQL cut off mid-booking: 503, taken seats go back to Redis; reconnected, the sale finishes', async () => {
    const env = testEnvironment();
    const proxy: TcpProxy = later(await startTcpProxy(env.DB_HOST, Number(env.DB_PORT)));
    const app = later(await startChildApp({ ...FAST_RECOVERY, DB_PORT: String(proxy.port), DB_CONNECT_TIMEOUT_MS: '1000' }));
    const sale = await openTrackedSale({ adminUrl: app.url, urls: () => [app.url], capacity: 120, strategy: 'optimistic', workers: 8, firstSales: 30 });
    const { eventId, capacity, load } = sale;
    await proxy.cut();
    const cut = Date.now();
    await waitFor('503 answers', () => load.count(503, cut) >= 10);
    const soldDuringCut = await sold(eventId);
    // Seats taken by the failed bookings were given back: free + sold accounts for every seat.
    const redis = new Redis(TEST_REDIS_URL);
    const free = await redis.zcard(inventoryKeys(eventId).free);
    const held = await redis.zcard(inventoryKeys(eventId).held);
    redis.disconnect();
    expect(free + soldDuringCut).toBeGreaterThanOrEqual(capacity - 8); // at most the 8 in flight are held
    expect(held - soldDuringCut).toBeLessThanOrEqual(8);
    expect(load.attempts.filter((a) => a.at >= cut && a.status === 503).every((a) => a.retryAfter !== null)).toBe(true);

    await proxy.restore();
    expect(await finishSale(sale, TEST_REDIS_URL)).toEqual([]);
    process.stdout.write(`[drill 2] ${load.count(503)} answers 503 while MySQL was cut off; sold ${capacity}/${capacity}\n`);
  });

  it('drill 3: kill -9 one of three instances mid-sale and restart it: nothing stranded, sold == capacity', async () => {
    const apps: ChildApp[] = await Promise.all([0, 1, 2].map(() => startChildApp(FAST_RECOVERY)));
    apps.forEach((a) => later(a));
    const sale = await openTrackedSale({
      adminUrl: apps[0].url,
      urls: () => apps.map((a) => a.url),
      capacity: 150,
      strategy: 'pessimistic',
      workers: 12,
      firstSales: 40,
    });
    const { capacity, load } = sale;
    await apps[1].stop('SIGKILL');
    await waitFor('a dropped connection', () => load.count(0) >= 1);
    apps[1] = later(await startChildApp(FAST_RECOVERY));
    expect(await finishSale(sale, TEST_REDIS_URL, 40_000)).toEqual([]);
    process.stdout.write(`[drill 3] ${load.count(0)} attempts lost with the killed instance, retried elsewhere; sold ${capacity}/${capacity}\n`);
  });

  it('drill 4: Redlock over three masters: one lost, sales go on; two lost, 503 LOCK_QUORUM_UNAVAILABLE; back, the sale finishes', async () => {
    const nodes: ExtraRedis[] = [];
    for (let i = 0; i < 3; i++) nodes.push(later(await startExtraRedis()));
    const app = later(await startChildApp({ ...FAST_RECOVERY, REDLOCK_NODES: nodes.map((n) => n.url).join(',') }));
    const sale = await openTrackedSale({ adminUrl: app.url, urls: () => [app.url], capacity: 150, strategy: 'pessimistic', workers: 6, firstSales: 20 });
    const { eventId, capacity, load } = sale;
    await nodes[0].kill();
    const oneDown = await sold(eventId);
    await waitFor('sales with one master down', async () => (await sold(eventId)) >= oneDown + 20);

    await nodes[1].kill();
    const twoDown = Date.now();
    await waitFor('quorum refusals', () => load.attempts.some((a) => a.at >= twoDown && a.code === 'LOCK_QUORUM_UNAVAILABLE'));
    const soldWithoutQuorum = await sold(eventId);
    await waitFor('more refusals', () => load.count(503, twoDown) >= 5);
    // Bookings already past the lock may finish; no new one gets through.
    expect(await sold(eventId)).toBeLessThanOrEqual(soldWithoutQuorum + 6);

    await nodes[0].restart();
    await nodes[1].restart();
    expect(await finishSale(sale, TEST_REDIS_URL)).toEqual([]);
    process.stdout.write(`[drill 4] ${load.count(503)} answers 503 without quorum; sold ${capacity}/${capacity}\n`);
  });

  it('drill 5: SIGTERM under load: not ready first, in-flight bookings complete, exit 0 within the grace period, nothing stranded', async () => {
    const other = later(await startChildApp(FAST_RECOVERY));
    const leaving = await startChildApp({ ...FAST_RECOVERY, SHUTDOWN_GRACE_MS: '5000' });
    later(leaving);
    let targets = [leaving.url, other.url];
    const sale = await openTrackedSale({ adminUrl: other.url, urls: () => targets, capacity: 300, strategy: 'pessimistic', workers: 10, firstSales: 30 });
    const { eventId, load } = sale;

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

    expect(await finishSale(sale, TEST_REDIS_URL)).toEqual([]);
    const redis = new Redis(TEST_REDIS_URL);
    expect(await redis.exists(inventoryKeys(eventId).lock)).toBe(0);
    redis.disconnect();
    // Requests it had accepted were answered, not dropped.
    const dropped = load.attempts.filter((a) => a.status === 0 && a.at < notReadyAt).length;
    expect(dropped).toBe(0);
    process.stdout.write(`[drill 5] not ready after ${notReadyAt - signalled} ms, exit 0 after ${exitedAt - signalled} ms\n`);
  });
});
