import { request } from 'node:http';
import { STRATEGY_NAMES } from '../../src/domain/inventory/strategies/strategy-name';
import { LoadBalancer, startLoadBalancer } from '../../tools/load-balancer';
import { ChildApp, startChildApps } from '../support/child-app';
import { Answer } from '../../tools/invariants/sale-invariants';
import { setTimeout as sleep } from 'node:timers/promises';
import { BATCH_MODES, batchCounters, batchesSince } from '../support/batching';
import { admin, burst, countByStatus, createEvent, violationsFor } from '../support/sale';
import { closeTestDb, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';
import { metricsScraper } from '../support/metrics-scraper';
import { stopAll } from '../support/cleanups';

const LIMIT = 5;
const limited = { BOOKING_RATE_LIMIT: String(LIMIT), BOOKING_RATE_WINDOW_MS: '10000' };

/**
 * A booking sent from `clientAddress` (a loopback alias: the whole of 127/8
 * is this machine), so HAProxy sees a different client per address, as an LB
 * in front of the internet does, and says so in X-Forwarded-For.
 */
function bookFrom(baseUrl: string, clientAddress: string, eventId: number, headers: Record<string, string> = {}): Promise<Answer> {
  const body = JSON.stringify({ customerEmail: `buyer${Math.floor(Math.random() * 1e9)}@example.com`, quantity: 1 });
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method: 'POST',
        path: `/api/v1/events/${eventId}/bookings`,
        localAddress: clientAddress,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Answer['body']) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** POST bookings this instance answered, from its /metrics. */
async function bookingsServed(app: ChildApp): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`, { headers: metricsScraper })).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('seatguard_http_request_duration_seconds_count{') && l.includes('method="POST"') && l.includes('bookings'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** 300 buyers for 100 seats through the LB: exactly 100 booked, every instance served its share. */
async function flashSaleThroughLb(lb: LoadBalancer, apps: ChildApp[], strategy: string, buyer: (i: number) => string): Promise<void> {
  const served = await Promise.all(apps.map(bookingsServed));
  const event = await createEvent(lb.url, { capacity: 100, strategy });
  const answers = await burst(300, (i) => bookFrom(lb.url, buyer(i), event.id));
  expect(countByStatus(answers)).toEqual({ 201: 100, 409: 200 });
  expect(await violationsFor(event.id, 100, answers, true)).toEqual([]);
  const share = (await Promise.all(apps.map(bookingsServed))).map((n, i) => n - served[i]);
  expect(share.every((n) => n >= 150 / apps.length)).toBe(true);
  process.stdout.write(
    `[lb] ${strategy} via HAProxy, ${apps.length} instances: ${JSON.stringify(countByStatus(answers))}, requests per instance ${share.join('/')}\n`,
  );
}

/**
 * Issue 16: three production builds behind a real load balancer (HAProxy),
 * trusting only the LB's address (TRUST_PROXY). What a k8s Service/ingress or a
 * cloud LB does to the traffic, end to end: the load is spread over all three,
 * no strategy oversells, and the rate limit counts per client address as the
 * LB reports it, shared by the instances.
 *
 * Able to fail: the unsafe control below oversells through the same path; with
 * TRUST_PROXY unset every client shares the LB's own bucket (127.0.2.2 gets
 * 429), and with per-instance counts A gets 3 x LIMIT (see rate-limit.e2e-spec.ts).
 */
describe('three instances behind a load balancer (HAProxy)', () => {
  let apps: ChildApp[] = [];
  let lb: LoadBalancer | undefined;

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    const lbAddress = '127.0.0.3';
    // UNSAFE_DELAY_MS widens the control group's read-then-write window (test controls only).
    const env = { ...limited, ...BATCH_MODES[0].env, TRUST_PROXY: lbAddress, UNSAFE_DELAY_MS: '20' };
    apps = await startChildApps(3, env, { testControls: true });
    lb = await startLoadBalancer(
      apps.map((a) => a.url),
      { sourceAddress: lbAddress },
    );
  });
  afterAll(async () => {
    await lb?.stop();
    await Promise.all(apps.map((a) => a.stop()));
    await closeTestDb();
    await closeTestRedis();
  });

  // 300 buyers from 100 addresses, new ones for every sale: 3 requests each, under the limit of 5.
  let sale = 0;
  const buyers = () => {
    const block = 10 + sale++;
    return (i: number) => `127.0.${block}.${(i % 100) + 1}`;
  };

  it.each(STRATEGY_NAMES)('%s: 300 buyers, 100 seats, through the LB: exactly 100 booked, spread over every instance', (strategy) =>
    flashSaleThroughLb(lb!, apps, strategy, buyers()),
  );

  it('control: through the same LB, the unsafe strategy oversells and the same checks catch it', async () => {
    const event = await createEvent(lb!.url, { capacity: 100, strategy: 'unsafe' });
    const buyer = buyers();
    const answers = await burst(300, (i) => bookFrom(lb!.url, buyer(i), event.id));
    const violations = await violationsFor(event.id, 100, answers, true);
    expect(violations.some((v) => v.startsWith('oversold') || v.startsWith('double seat'))).toBe(true);
    process.stdout.write(`[lb control] unsafe: ${JSON.stringify(countByStatus(answers))}; e.g. "${violations[0]}"\n`);
  });

  it('rate limit per client address as the LB reports it, one count across the three instances; a forged X-Forwarded-For does not help', async () => {
    const event = await createEvent(lb!.url, { capacity: 10_000 });
    const a = '127.0.2.1';
    const sequential = async (times: number, from: string, headers: Record<string, string> = {}) => {
      const statuses: number[] = [];
      for (let i = 0; i < times; i++) statuses.push((await bookFrom(lb!.url, from, event.id, headers)).status);
      return statuses;
    };
    // Round robin: A's six requests reach all three instances; the limit still holds once, not per instance.
    expect(await sequential(LIMIT + 1, a)).toEqual([...Array(LIMIT).fill(201), 429]);
    expect(await sequential(1, a, { 'x-forwarded-for': '198.51.100.7' })).toEqual([429]);
    expect(await sequential(1, '127.0.2.2')).toEqual([201]);
  });
});

/**
 * Issue 19: the same sale with group commit on, on two instances behind the
 * LB, every strategy, and with the strategy switched live during the sale.
 */
describe('two batched instances behind a load balancer (group commit)', () => {
  let apps: ChildApp[] = [];
  let lb: LoadBalancer | undefined;
  let block = 100;
  const buyers = () => {
    const b = block++;
    return (i: number) => `127.0.${b}.${(i % 100) + 1}`;
  };

  beforeAll(async () => {
    apps = await startChildApps(2, { ...BATCH_MODES[1].env });
    lb = await startLoadBalancer(apps.map((a) => a.url));
  });
  afterAll(async () => {
    await lb?.stop();
    await stopAll(apps, (a) => a.stop());
    await closeTestDb();
    await closeTestRedis();
  });

  it.each(STRATEGY_NAMES)('%s: 300 buyers, 100 seats, batched on both instances: exactly 100 booked', async (strategy) => {
    const before = await Promise.all(apps.map((a) => batchCounters(a.url)));
    await flashSaleThroughLb(lb!, apps, strategy, buyers());
    expect(
      (
        await batchesSince(
          apps.map((a) => a.url),
          before,
        )
      ).meanSize,
    ).toBeGreaterThan(1);
  });

  it('the strategy switched among all three every few ms while 600 buyers race for 200 seats, batched', async () => {
    const event = await createEvent(lb!.url, { capacity: 200, strategy: 'atomic' });
    const before = await Promise.all(apps.map((a) => batchCounters(a.url)));
    let done = false;
    let switches = 0;
    const switcher = (async () => {
      while (!done) {
        const strategy = STRATEGY_NAMES[++switches % STRATEGY_NAMES.length];
        await fetch(`${lb!.url}/api/v1/events/${event.id}/strategy`, { method: 'PUT', headers: admin, body: JSON.stringify({ strategy }) });
        await sleep(3);
      }
    })();
    const buyer = buyers();
    // In waves, so that the sale outlasts several switches even when batches sell it fast.
    const answers: Answer[] = [];
    for (let wave = 0; wave < 6; wave += 1) answers.push(...(await burst(100, (i) => bookFrom(lb!.url, buyer(wave * 100 + i), event.id))));
    done = true;
    await switcher;
    expect(countByStatus(answers)).toEqual({ 201: 200, 409: 400 });
    expect(await violationsFor(event.id, 200, answers, true)).toEqual([]);
    const used = new Set(answers.filter((a) => a.status === 201).map((a) => (a.body as { strategy?: string }).strategy));
    expect(used.size).toBeGreaterThan(1);
    const formed = await batchesSince(
      apps.map((a) => a.url),
      before,
    );
    expect(formed.meanSize).toBeGreaterThan(1);
    process.stdout.write(
      `[lb batched] ${switches} switches, strategies used ${[...used].join(',')}: ${JSON.stringify(countByStatus(answers))}, ${formed.batches} batches of ${formed.meanSize.toFixed(1)}\n`,
    );
  });
});
