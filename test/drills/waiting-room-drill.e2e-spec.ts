import Redis from 'ioredis';
import { LoadBalancer, startLoadBalancer } from '../../tools/load-balancer';
import { ExtraRedis, startExtraRedis } from '../../tools/redis-server';
import { waitFor } from '../support/purchase-loop';
import { admin, createEvent } from '../support/sale';
import { ChildApp, startChildApps } from '../support/child-app';
import { closeTestDb, rows, truncateAll } from '../support/test-db';
import { AdmissionBoundSampler, fifoViolations, QueuedSale, roomTickets } from '../../tools/waiting-room/queued-sale';
import { QueueClient } from '../../tools/waiting-room/queue-client';
import { stopAll } from '../support/cleanups';

const SEATS = 30;
const JOINS = 150;

const soldSeats = async (eventId: number) =>
  Number((await rows<{ n: number }>('SELECT COUNT(*) AS n FROM tickets WHERE event_id = ?', [eventId]))[0].n);

/**
 * Drill: a queued sale on two instances behind HAProxy, on a throw-away Redis
 * kept with an append-only file. Mid-queue one instance is killed (SIGKILL),
 * later Redis is killed and restarted. While Redis is away the room answers
 * 503 (never 500); afterwards it carries on from where it was: exactly the
 * seats sold, every booking with its own admission, admissions in join order,
 * the bound kept whenever it could be sampled.
 */
describe('waiting room drill: an instance killed and Redis restarted mid-queue', () => {
  let redis: ExtraRedis;
  let probe: Redis;
  let apps: ChildApp[] = [];
  let lb: LoadBalancer | undefined;

  beforeAll(async () => {
    await truncateAll();
    redis = await startExtraRedis({ persistent: true });
    probe = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    probe.on('error', () => undefined);
    const env = {
      REDIS_URL: redis.url,
      BOOKING_RATE_LIMIT: '0',
      WAITING_ROOM_TICK_MS: '100',
      WAITING_ROOM_ADMIT_RATE: '20',
      WAITING_ROOM_ADMISSION_TTL_MS: '5000',
    };
    apps = await startChildApps(2, env);
    lb = await startLoadBalancer(apps.map((a) => a.url));
  });
  afterAll(async () => {
    await lb?.stop();
    await stopAll(apps, (a) => a.stop());
    probe.disconnect();
    await redis.stop();
    await closeTestDb();
  });

  it(`${JOINS} buyers, ${SEATS} seats: the sale ends exactly sold out, in order, with no admission used twice`, async () => {
    const event = await createEvent(lb!.url, {
      capacity: SEATS,
      queue: { mode: 'fifo' },
      salesStartAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const statuses: Record<number, number> = {};
    const sale = new QueuedSale({
      urls: [lb!.url],
      eventId: event.id,
      buyers: JOINS,
      walkAwayEvery: 0,
      pollMs: 300,
      timeoutMs: 120_000,
      onStatus: (s) => (statuses[s] = (statuses[s] ?? 0) + 1),
    });
    await sale.joinAll();
    const sampler = new AdmissionBoundSampler(probe, event.id).start();
    await fetch(`${lb!.url}/api/v1/events/${event.id}`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ salesStartAt: new Date(Date.now() + 300).toISOString() }),
    });
    const running = sale.run();

    await waitFor('a third sold', async () => (await soldSeats(event.id)) >= SEATS / 3, 60_000);
    await apps[0].stop('SIGKILL');
    await waitFor('two thirds sold', async () => (await soldSeats(event.id)) >= (2 * SEATS) / 3, 60_000);
    await redis.kill();
    const down = Date.now();
    await waitFor('a 503 while Redis is away', () => (statuses[503] ?? 0) > 0, 10_000);
    await redis.restart();
    const outage = Date.now() - down;
    await waitFor('sold out', async () => (await soldSeats(event.id)) === SEATS, 60_000);
    sale.stop();
    await running;
    await sampler.stop();

    const tickets = await roomTickets(probe, event.id);
    const bookings = await rows<{ customer_email: string }>(
      "SELECT customer_email FROM bookings WHERE event_id = ? AND status = 'confirmed'",
      [event.id],
    );
    // Taken: used by a booking. One whose instance died (or lost Redis) before it could say "served" stays `using`.
    const taken = new Set(tickets.filter((t) => t.s === 'served' || t.s === 'using').map((t) => t.c));
    process.stdout.write(
      `[waiting room drill] ${bookings.length}/${SEATS} sold after an instance kill and a ${outage} ms Redis outage; ` +
        `${tickets.filter((t) => t.o !== undefined).length} admitted; ${sampler.samples} samples, max unserved ${sampler.maxUnserved}; ` +
        `answers ${JSON.stringify(statuses)}\n`,
    );
    expect(bookings.length).toBe(SEATS);
    expect(new Set(bookings.map((b) => b.customer_email)).size).toBe(SEATS);
    expect(bookings.filter((b) => !taken.has(b.customer_email))).toEqual([]);
    expect(fifoViolations(tickets)).toEqual([]);
    expect(sampler.violations).toEqual([]);
    expect(statuses[500]).toBeUndefined();
  });
});

/**
 * Drill: the same sale on a Redis kept without persistence, restarted (empty)
 * mid-queue. The room's state is gone with it: the honest behaviour is that
 * every ticket's holder hears so (its ticket reads `expired`: join again, at the
 * back), no admission given before is honoured again (whether it was used
 * cannot be known any more), the seat pool is rebuilt from MySQL, and the room
 * re-opens for those who join again. MySQL's capacity trigger keeps the count.
 */
describe('waiting room drill: Redis without persistence restarted mid-queue', () => {
  let redis: ExtraRedis;
  let apps: ChildApp[] = [];

  beforeAll(async () => {
    await truncateAll();
    redis = await startExtraRedis();
    apps = await startChildApps(2, {
      REDIS_URL: redis.url,
      BOOKING_RATE_LIMIT: '0',
      WAITING_ROOM_TICK_MS: '100',
      WAITING_ROOM_ADMIT_RATE: '20',
      WAITING_ROOM_ADMIT_FLOOR: '20',
      // Long enough that every admission given before the restart is still within its time when replayed.
      WAITING_ROOM_ADMISSION_TTL_MS: '120000',
    });
  });
  afterAll(async () => {
    await Promise.allSettled(apps.map((a) => a.stop()));
    await redis.stop();
    await closeTestDb();
  });

  it(`${JOINS} buyers, ${SEATS} seats: nothing oversold, no admission honoured twice, every buyer a definite answer`, async () => {
    const urls = apps.map((a) => a.url);
    const event = await createEvent(urls[0], {
      capacity: SEATS,
      maxPerCustomer: 1,
      queue: { mode: 'fifo' },
      salesStartAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const statuses: Record<number, number> = {};
    const sale = new QueuedSale({
      urls,
      eventId: event.id,
      buyers: JOINS,
      walkAwayEvery: 0,
      pollMs: 300,
      timeoutMs: 120_000,
      rejoin: true,
      onStatus: (s) => (statuses[s] = (statuses[s] ?? 0) + 1),
    });
    await sale.joinAll();
    await fetch(`${urls[0]}/api/v1/events/${event.id}`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ salesStartAt: new Date(Date.now() + 300).toISOString() }),
    });
    const running = sale.run();

    await waitFor('a third sold', async () => (await soldSeats(event.id)) >= SEATS / 3, 60_000);
    await redis.kill();
    const down = Date.now();
    // Admissions that bought a seat before Redis went away: used, but the room will not remember it.
    const usedBefore = sale.buyers.filter((b) => b.booked === 201).map((b) => ({ email: b.email, token: b.triedWith! }));
    await waitFor('a 503 while Redis is away', () => (statuses[503] ?? 0) > 0, 10_000);
    await redis.restart();
    const outage = Date.now() - down;
    await running;

    const bookings = await rows<{ customer_email: string }>(
      "SELECT customer_email FROM bookings WHERE event_id = ? AND status = 'confirmed'",
      [event.id],
    );
    const unanswered = sale.buyers.filter((b) => b.answeredAt === undefined).map((b) => b.email);
    const rejoined = sale.buyers.filter((b) => b.rejoins > 0).length;
    // Every admission a buyer booked with before the restart, presented again (a new request): refused.
    const before = [...usedBefore, ...sale.buyers.flatMap((b) => b.earlierAdmissions.map((token) => ({ email: b.email, token })))];
    const replays = await Promise.all(
      before.map(({ email, token }, i) =>
        new QueueClient(urls[i % urls.length]).use(event.id, email, token, 'bookings', { 'idempotency-key': `replay-after-restart-${i}` }),
      ),
    );
    process.stdout.write(
      `[waiting room drill, no persistence] ${bookings.length}/${SEATS} sold after a ${outage} ms outage that emptied Redis; ` +
        `${rejoined} buyers joined again; ${before.length} earlier admissions replayed; answers ${JSON.stringify(statuses)}\n`,
    );
    expect(await soldSeats(event.id)).toBe(SEATS);
    expect(bookings.length).toBe(SEATS);
    expect(new Set(bookings.map((b) => b.customer_email)).size).toBe(SEATS);
    expect(unanswered).toEqual([]);
    expect(replays.filter((r) => r.status !== 409 || r.body.code !== 'ADMISSION_INVALID')).toEqual([]);
    expect(usedBefore.length).toBeGreaterThan(0);
    expect(await soldSeats(event.id)).toBe(SEATS);
    expect(statuses[500]).toBeUndefined();
  });
});
