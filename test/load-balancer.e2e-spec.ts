import { request } from 'node:http';
import { STRATEGY_NAMES } from '../src/inventory/strategies/strategy-name';
import { LoadBalancer, startLoadBalancer } from '../tools/load-balancer';
import { ChildApp, startChildApps } from './support/child-app';
import { Answer } from './support/invariants/sale-invariants';
import { burst, countByStatus, createEvent, violationsFor } from './support/sale';
import { closeTestDb, truncateAll } from './support/test-db';
import { closeTestRedis, flushTestRedis } from './support/test-redis';
import { metricsScraper } from './support/metrics-scraper';

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
    const env = { ...limited, TRUST_PROXY: lbAddress, UNSAFE_DELAY_MS: '20' };
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

  it.each(STRATEGY_NAMES)('%s: 300 buyers, 100 seats, through the LB: exactly 100 booked, spread over every instance', async (strategy) => {
    const served = await Promise.all(apps.map(bookingsServed));
    const event = await createEvent(lb!.url, { capacity: 100, strategy });
    const buyer = buyers();
    const answers = await burst(300, (i) => bookFrom(lb!.url, buyer(i), event.id));
    expect(countByStatus(answers)).toEqual({ 201: 100, 409: 200 });
    expect(await violationsFor(event.id, 100, answers, true)).toEqual([]);
    const share = (await Promise.all(apps.map(bookingsServed))).map((n, i) => n - served[i]);
    expect(share.every((n) => n >= 50)).toBe(true);
    process.stdout.write(
      `[lb] ${strategy} via HAProxy: ${JSON.stringify(countByStatus(answers))}, requests per instance ${share.join('/')}\n`,
    );
  });

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
