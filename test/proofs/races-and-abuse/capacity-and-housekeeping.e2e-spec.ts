import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { REBUILD_CHUNK_SEATS } from '../../../src/domain/inventory/seat-pool';
import { KNOWN_INVENTORIES_KEY, seatKeys } from '../../../src/domain/inventory/seat-keys';
import { ExtraRedis, startExtraRedis } from '../../../tools/redis-server';
import { ADMIN_TOKEN, TEST_REDIS_URL } from '../../setup/test-settings';
import { startChildApp } from '../../support/child-app';
import { waitFor } from '../../support/purchase-loop';
import { admin, book, createEvent, json } from '../../support/sale';
import { closeTestDb, rows, testDb, truncateAll } from '../../support/test-db';
import { closeTestRedis, flushTestRedis, testRedis } from '../../support/test-redis';
import { RunningApp, startApp } from '../../support/test-app';

const patch = (url: string, id: number, body: unknown) =>
  fetch(`${url}/api/v1/events/${id}`, { method: 'PATCH', headers: admin, body: JSON.stringify(body) });
const joinWaitlist = (url: string, id: number, email: string, quantity = 1) =>
  fetch(`${url}/api/v1/events/${id}/waitlist`, { method: 'POST', headers: json, body: JSON.stringify({ customerEmail: email, quantity }) });
const eventState = async (url: string, id: number) => (await (await fetch(`${url}/api/v1/events/${id}`)).json()) as Record<string, number>;

/** A sold-out event of `capacity` seats on `url`. */
async function soldOutEvent(url: string, capacity: number): Promise<number> {
  const event = await createEvent(url, { capacity, strategy: 'atomic' });
  expect((await book(url, event.id, capacity)).status).toBe(201);
  return event.id;
}

/**
 * Issue 23, item 5: a capacity change is exact. Each test reproduces what
 * main did before (numbers in the failure table of docs/operations.md).
 */
describe('races and abuse: capacity changes are exact', () => {
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await closeTestDb();
    await closeTestRedis();
  });

  /** An app on a throw-away Redis that can be made to refuse writes. */
  async function appOnExtraRedis(overrides: Record<string, string>): Promise<{ app: RunningApp; redis: ExtraRedis }> {
    const redis = await startExtraRedis();
    cleanups.push(() => redis.stop());
    const app = await startApp({ REDIS_URL: redis.url, REDLOCK_NODES: redis.url, ...overrides });
    cleanups.push(() => app.close());
    return { app, redis };
  }

  it('a rebuild that Redis refused after a capacity raise is retried: the new seats go on sale once Redis takes writes again', async () => {
    const { app, redis } = await appOnExtraRedis({ SWEEP_INTERVAL_MS: '100' });
    const id = await soldOutEvent(app.url, 2);
    await redis.refuseWrites('NOREPLICAS');
    const raised = await patch(app.url, id, { capacity: 4 });
    await redis.acceptWrites();
    expect(raised.status).toBe(200);
    // Before: the failure was only logged; the pool kept its 2 sold seats and every buyer got SOLD_OUT (10 of 10 here).
    let last = 0;
    await waitFor('the new seats on sale', async () => (last = (await book(app.url, id, 1)).status) === 201, 5000).catch(() => undefined);
    expect(last).toBe(201);
    expect((await book(app.url, id, 1)).status).toBe(201);
    expect((await book(app.url, id, 1)).body?.code).toBe('SOLD_OUT');
    expect(await eventState(app.url, id)).toMatchObject({ capacity: 4, sold: 4, available: 0 });
  });

  it('repeating the PATCH completes a capacity change whose rebuild failed (no sweep in between)', async () => {
    // The sweeper does not tick during this test: only the repeated PATCH can finish the change.
    const { app, redis } = await appOnExtraRedis({ SWEEP_INTERVAL_MS: '600000' });
    const id = await soldOutEvent(app.url, 2);
    await redis.refuseWrites('NOREPLICAS');
    expect((await patch(app.url, id, { capacity: 5 })).status).toBe(200);
    await redis.acceptWrites();
    // Before: the repeat saw no change (MySQL already had 5) and did nothing; the new seats stayed unsellable.
    expect((await patch(app.url, id, { capacity: 5 })).status).toBe(200);
    const answers = [await book(app.url, id, 2), await book(app.url, id, 1), await book(app.url, id, 1)];
    expect(answers.map((a) => a.status)).toEqual([201, 201, 409]);
    expect(await eventState(app.url, id)).toMatchObject({ capacity: 5, sold: 5, available: 0 });
  });

  it('a rebuild racing the waiting-list offer of new seats never answers 500 and never sells an offered seat', async () => {
    const app = await startApp({});
    cleanups.push(() => app.close());
    const id = await soldOutEvent(app.url, 2);
    expect((await joinWaitlist(app.url, id, 'first-in-line@example.com')).status).toBe(201);

    // The offer of the new seats waits for the waiting list's rows, which this connection holds.
    const blocker: PoolConnection = await testDb().getConnection();
    let patched: Promise<Response> | undefined;
    let buyer: Awaited<ReturnType<typeof book>> | undefined;
    try {
      await blocker.query('START TRANSACTION');
      await blocker.query('SELECT id FROM waitlist_entries WHERE event_id = ? FOR UPDATE', [id]);
      patched = patch(app.url, id, { capacity: 4 });
      // The app's connections use the same MySQL user, so their statements are visible without PROCESS.
      await waitFor('the capacity change waiting for the waiting list', async () => {
        const [threads] = await blocker.query<({ Info: string | null } & RowDataPacket)[]>('SHOW FULL PROCESSLIST');
        return threads.some((t) => /FROM waitlist_entries\s.*FOR UPDATE/s.test(t.Info ?? '') && !/PROCESSLIST/.test(t.Info ?? ''));
      });
      // Meanwhile: an admin's reconcile rebuilds the pool, and a buyer tries to buy.
      const reconciled = await fetch(`${app.url}/api/v1/events/${id}/reconcile`, { method: 'POST', headers: admin });
      expect(reconciled.status).toBe(200);
      buyer = await book(app.url, id, 1);
    } finally {
      await blocker.query('COMMIT');
      blocker.release();
    }
    const answer = await patched;
    // Before: the rebuild saw capacity 4 committed without the offer and sold seat 3 to the buyer (201);
    // the offer then met seat 3's ticket and the PATCH answered 500.
    expect({ buyer: buyer.body?.code, patch: answer.status }).toEqual({ buyer: 'SOLD_OUT', patch: 200 });
    const [entry] = await rows<{ status: string }>('SELECT status FROM waitlist_entries WHERE event_id = ?', [id]);
    expect(entry.status).toBe('offered');
    // Seat 3 is the entry's offer, seat 4 is on sale.
    const last = await book(app.url, id, 1);
    expect(last.body?.seats).toEqual([4]);
    expect(await eventState(app.url, id)).toMatchObject({ capacity: 4, sold: 3, held: 1, available: 0 });
  });
});

/** Issue 23, item 6: what a long-running platform accumulates, and what an abuser can send. */
describe('races and abuse: housekeeping', () => {
  let app: RunningApp;
  const api = (path: string) => `${app.url}/api/v1${path}`;

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    app = await startApp({ SWEEP_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    await app.close();
    await closeTestDb();
    await closeTestRedis();
  });

  /** Three events with pools: one cancelled, one whose sale has ended (ids in that order), one live. */
  async function cancelledEndedLive(): Promise<{ cancelled: number; ended: number; live: number }> {
    const cancelled = (await createEvent(app.url, { capacity: 3 })).id;
    const ended = (await createEvent(app.url, { capacity: 3 })).id;
    const live = (await createEvent(app.url, { capacity: 3 })).id;
    expect((await fetch(api(`/events/${cancelled}/cancel`), { method: 'POST', headers: admin })).status).toBe(200);
    // A sale that ended an hour ago (the API refuses to set a past window; MySQL does not).
    await rows('UPDATE events SET sales_start_at = NOW() - INTERVAL 2 HOUR, sales_end_at = NOW() - INTERVAL 1 HOUR WHERE id = ?', [ended]);
    return { cancelled, ended, live };
  }

  it('ended and cancelled events leave the sweep set and their pools are dropped; live ones stay', async () => {
    const { cancelled, ended, live } = await cancelledEndedLive();
    const members = async () => (await testRedis().smembers(KNOWN_INVENTORIES_KEY)).map(Number);
    // Before: the set only grew (all three stayed, and every sweep tick visited them).
    await waitFor(
      'ended events pruned',
      async () => !(await members()).includes(cancelled) && !(await members()).includes(ended),
      5000,
    ).catch(() => undefined);
    expect((await members()).filter((id) => [cancelled, ended, live].includes(id))).toEqual([live]);
    expect(await testRedis().exists(seatKeys(ended).free, seatKeys(ended).meta, seatKeys(cancelled).free)).toBe(0);
    // A cancelled event's pool keeps its "closed" marker for a while only.
    expect(await testRedis().pttl(seatKeys(cancelled).meta)).not.toBe(-1);
    expect(await testRedis().exists(seatKeys(live).meta)).toBe(1);
  });

  it('start-up rebuilds only live events', async () => {
    const { cancelled, ended, live } = await cancelledEndedLive();
    // As a crash would leave them: every pool gone, every event still listed.
    const redis = testRedis();
    for (const id of [cancelled, ended, live]) {
      const k = seatKeys(id);
      await redis.del(k.free, k.reserved, k.meta);
    }
    await redis.sadd(KNOWN_INVENTORIES_KEY, cancelled, ended, live);
    // A real start: the production build in its own process.
    const restarted = await startChildApp({ RECONCILE_ON_START: 'true', SWEEP_INTERVAL_MS: '600000' });
    try {
      // Events are rebuilt one after the other, lowest id first: by the time the live one is, the others would have been.
      await waitFor('the live event rebuilt', async () => (await redis.exists(seatKeys(live).meta)) === 1, 10_000);
      // Before: all three were rebuilt (3 of 3); now only the live one.
      expect(await redis.exists(seatKeys(cancelled).meta, seatKeys(ended).meta)).toBe(0);
    } finally {
      await restarted.stop();
    }
  });

  it('a rebuild of a large event never holds Redis in one step: at most one chunk of seats per command', async () => {
    const capacity = 20 * REBUILD_CHUNK_SEATS;
    const { id } = await createEvent(app.url, { capacity });
    await book(app.url, id, 3);
    const tag = seatKeys(id).free.split(':')[0];
    const monitor = await startMonitor(TEST_REDIS_URL);
    /** Per command a client sent on this event's keys: how many seats it and the script commands it ran wrote. */
    const commands: { command: string; seats: number }[] = [];
    try {
      const reconciled = await fetch(api(`/events/${id}/reconcile`), { method: 'POST', headers: admin });
      expect(await reconciled.json()).toMatchObject({ free: capacity - 3 });
      // The monitor has seen everything up to this marker once it sees the marker.
      const marker = `caught-up-${id}`;
      await testRedis().echo(marker);
      await waitFor('the monitor stream caught up', () => monitor.seen.some((c) => c.args[1] === marker));
    } finally {
      await monitor.stop();
    }
    for (const { args, source } of monitor.seen) {
      const touchesEvent = args.some((a) => a.startsWith(tag));
      const name = args[0].toLowerCase();
      if (source !== 'lua') {
        if (touchesEvent || name === 'evalsha' || name === 'eval') commands.push({ command: name, seats: 0 });
        if (touchesEvent && (name === 'zadd' || name === 'zrem')) commands[commands.length - 1].seats = seatArgs(name, args);
      } else if (commands.length && (name === 'zadd' || name === 'zrem') && touchesEvent) {
        commands[commands.length - 1].seats += seatArgs(name, args);
      }
    }
    // The rebuild wrote every free seat (guard), never more than one chunk per command.
    // Before: one script call wrote all 19,997 seats (Redis answered no one else meanwhile).
    const written = commands.reduce((sum, c) => sum + c.seats, 0);
    expect(written).toBeGreaterThanOrEqual(capacity - 3);
    expect(Math.max(...commands.map((c) => c.seats))).toBeLessThanOrEqual(REBUILD_CHUNK_SEATS);
    expect(await eventState(app.url, id)).toMatchObject({ sold: 3, available: capacity - 3 });
  });

  it('an Idempotency-Key shorter than 16 characters is a 400 naming the header; nothing is written', async () => {
    const { id } = await createEvent(app.url, { capacity: 5 });
    // Before: a 1-character key was accepted (201), a key anyone can guess.
    for (const key of ['k', '123456789012345']) {
      const answer = await book(app.url, id, 1, { 'Idempotency-Key': key });
      expect({ key, status: answer.status, code: answer.body?.code }).toEqual({ key, status: 400, code: 'INVALID_IDEMPOTENCY_KEY' });
      expect((answer.body as { message?: string } | undefined)?.message).toMatch(/Idempotency-Key.*16/);
    }
    const [{ n }] = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM bookings WHERE event_id = ?', [id]);
    expect(Number(n)).toBe(0);
    expect((await book(app.url, id, 1, { 'Idempotency-Key': '1234567890123456' })).status).toBe(201);
  });

  it('the Idempotency-Key is never logged', async () => {
    const { id } = await createEvent(app.url, { capacity: 5 });
    const key = `order-${randomBytes(12).toString('hex')}`;
    const verbose = await startChildApp({ LOG_LEVEL: 'debug' });
    try {
      expect((await book(verbose.url, id, 1, { 'Idempotency-Key': key })).status).toBe(201);
    } finally {
      await verbose.stop();
    }
    const log = verbose.output();
    expect(log).toContain('"idempotency-key":"[redacted]"'); // the request line was written
    // Before: the info-level request line carried the raw key (a key derives the booking's secret).
    expect(log).not.toContain(key);
  });

  it('one spelling per event-list cursor: any other spelling of a position is a 400 naming the cursor', async () => {
    for (let i = 0; i < 2; i++) await createEvent(app.url, { capacity: 1 });
    const first = (await (await fetch(api('/events?limit=1'))).json()) as { items: { id: number }[]; nextCursor: string };
    const canonical = first.nextCursor;
    expect((await fetch(api(`/events?limit=1&cursor=${canonical}`))).status).toBe(200);
    const id = first.items[0].id;
    // Other spellings of the same position: leading zeros, a '+', unused trailing bits.
    const spellings = [`0${id}`, `00${id}`, `+${id}`].map((s) => Buffer.from(s).toString('base64url'));
    const lastChar = canonical[canonical.length - 1];
    const bitsFlipped = 'AEIMQUYcgkosw048'.includes(lastChar) ? String.fromCharCode(lastChar.charCodeAt(0) + 1) : null;
    if (bitsFlipped && canonical.length % 4 !== 0) spellings.push(canonical.slice(0, -1) + bitsFlipped);
    const answers = await Promise.all(
      spellings.map(async (cursor) => {
        const res = await fetch(api(`/events?limit=1&cursor=${cursor}`));
        return { cursor, status: res.status, message: ((await res.json()) as { message: string }).message };
      }),
    );
    // Before: every spelling answered 200 with the same page, each a new page-cache entry and its own COUNT join.
    for (const a of answers) expect(a).toEqual({ cursor: a.cursor, status: 400, message: expect.stringMatching(/cursor/) });
  });

  it('/metrics needs the admin token', async () => {
    // Before: 200 to anyone.
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    const scraped = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('seatguard_');
  });

  it('health probes answer anyone with a minimal body; the details need the admin token', async () => {
    for (const path of ['/health/live', '/health/ready']) {
      const res = await fetch(`${app.url}${path}`);
      // Before: /health/ready told anyone which dependencies exist (and, when down, the driver's message).
      expect({ path, status: res.status, body: await res.json() }).toEqual({ path, status: 200, body: { status: 'ok' } });
    }
    const detailed = await fetch(`${app.url}/health/ready`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(detailed.status).toBe(200);
    expect(await detailed.json()).toMatchObject({ status: 'ok', info: { mysql: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('a failing readiness check tells anyone only that it failed', async () => {
    const redis = await startExtraRedis();
    const down = await startApp({ REDIS_URL: redis.url, REDLOCK_NODES: redis.url });
    try {
      await redis.refuseWrites('OOM');
      const anonymous = await fetch(`${down.url}/health/ready`);
      expect(anonymous.status).toBe(503);
      expect(Number(anonymous.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await anonymous.json()).toEqual({ status: 'error' });
      const detailed = await fetch(`${down.url}/health/ready`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(detailed.status).toBe(503);
      expect(JSON.stringify(await detailed.json())).toMatch(/OOM/);
    } finally {
      await down.close();
      await redis.stop();
    }
  });
});

/**
 * `redis-cli monitor` against the server of `url`: every command any client
 * sends, in the order the server runs them, those run by a script marked `lua`.
 * (ioredis's own monitor mode can mistake the first lines for replies on a busy server.)
 */
async function startMonitor(url: string): Promise<{ seen: { source: string; args: string[] }[]; stop(): Promise<void> }> {
  const { hostname, port } = new URL(url);
  const child = spawn('redis-cli', ['-h', hostname, '-p', port || '6379', 'monitor'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const seen: { source: string; args: string[] }[] = [];
  let ready = false;
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (data: string) => {
    const lines = (partial + data).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === 'OK') ready = true;
      const match = /^[\d.]+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
      if (match)
        seen.push({ source: match[1] === 'lua' ? 'lua' : 'client', args: [...match[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]) });
    }
  });
  const stop = async () => {
    child.kill();
    await exited;
  };
  await waitFor('redis-cli monitoring', () => ready, 5000).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { seen, stop };
}

/** Seats a ZADD (score, member pairs) or ZREM (members) command carries. */
function seatArgs(name: string, args: string[]): number {
  const operands = args.length - 2;
  return name === 'zadd' ? operands / 2 : operands;
}
