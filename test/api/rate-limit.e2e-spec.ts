import { ForwardingProxy, startForwardingProxy, TEST_CLIENT_HEADER } from '../../tools/forwarding-proxy';
import { ChildApp, startChildApp, startChildApps } from '../support/child-app';
import { createEvent, json } from '../support/sale';
import { waitFor } from '../support/purchase-loop';
import { closeTestDb, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';

/*
 * The booking rate limit as production runs it: several instances behind an
 * ingress. Two production builds share one Redis and trust only the proxy,
 * which connects from 127.0.0.2; this test's own direct requests come from
 * 127.0.0.1 and are untrusted. Every test uses its own client addresses, so
 * no test sees another's bucket.
 *
 * Proven able to fail: with the throttler's default in-memory storage (the
 * `storage:` line removed from BookingsModule), "two instances share one
 * count" gets 10 answers instead of 5; with `trust proxy` true, the forged
 * X-Forwarded-For case gets 201 seven times.
 */
const LIMIT = 5;
const WINDOW_MS = 5000;
const PROXY_ADDRESS = '127.0.0.2';
const limited = { BOOKING_RATE_LIMIT: String(LIMIT), BOOKING_RATE_WINDOW_MS: String(WINDOW_MS) };

interface Answer {
  status: number;
  retryAfter: string | null;
  code?: string;
}

async function book(baseUrl: string, eventId: number, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${baseUrl}/api/v1/events/${eventId}/bookings`, {
    method: 'POST',
    headers: { ...json, ...headers },
    body: JSON.stringify({ customerEmail: `buyer${Math.floor(Math.random() * 1e9)}@example.com`, quantity: 1 }),
  });
  const body = (await res.json()) as { code?: string };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: body.code };
}

const asClient = (address: string, extra: Record<string, string> = {}) => ({ [TEST_CLIENT_HEADER]: address, ...extra });
const statuses = (answers: Answer[]) => answers.map((a) => a.status);

async function bookTimes(times: number, one: (i: number) => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < times; i++) answers.push(await one(i));
  return answers;
}

describe('booking rate limit behind a proxy, across instances', () => {
  let one: ChildApp;
  let two: ChildApp;
  let viaOne: ForwardingProxy;
  let viaTwo: ForwardingProxy;
  let eventId: number;

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    [one, two] = await startChildApps(2, { ...limited, TRUST_PROXY: PROXY_ADDRESS });
    viaOne = await startForwardingProxy(one.url, { localAddress: PROXY_ADDRESS });
    viaTwo = await startForwardingProxy(two.url, { localAddress: PROXY_ADDRESS });
    // Large enough that no booking here is refused for want of seats: every non-429 is a 201.
    eventId = (await createEvent(one.url, { capacity: 10_000 })).id;
  });

  afterAll(async () => {
    await Promise.all([viaOne?.close(), viaTwo?.close()]);
    await Promise.all([one?.stop(), two?.stop()]);
    await closeTestDb();
    await closeTestRedis();
  });

  it('gives each client behind the trusted proxy its own bucket: A is refused with Retry-After, B still books', async () => {
    const a = await bookTimes(LIMIT + 1, () => book(viaOne.url, eventId, asClient('198.51.100.1')));
    expect(statuses(a)).toEqual([...Array(LIMIT).fill(201), 429]);
    const refused = a[LIMIT];
    expect(refused.code).toBe('RATE_LIMITED');
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(WINDOW_MS / 1000);

    expect((await book(viaOne.url, eventId, asClient('198.51.100.2'))).status).toBe(201);
    // A cannot slip out by sending its own X-Forwarded-For through the proxy: the proxy appends A.
    expect((await book(viaOne.url, eventId, asClient('198.51.100.1', { 'x-forwarded-for': '198.51.100.99' }))).status).toBe(429);
    expect((await book(viaOne.url, eventId, asClient('198.51.100.99'))).status).toBe(201);
  });

  it('keys a direct request by its socket address: a forged X-Forwarded-For from an untrusted peer is ignored', async () => {
    const forged = await bookTimes(LIMIT + 2, (i) => book(one.url, eventId, { 'x-forwarded-for': `203.0.113.${i + 1}` }));
    expect(statuses(forged)).toEqual([...Array(LIMIT).fill(201), 429, 429]);
    // The forged addresses were not charged anything.
    expect((await book(viaOne.url, eventId, asClient('203.0.113.1'))).status).toBe(201);
  });

  it('shares one count between instances: a client alternating between both gets exactly the limit, not twice it', async () => {
    const started = Date.now();
    const answers = await bookTimes(2 * LIMIT + 2, (i) => book(i % 2 === 0 ? viaOne.url : viaTwo.url, eventId, asClient('198.51.100.3')));
    // All inside one window, or the count below would prove nothing.
    expect(Date.now() - started).toBeLessThan(WINDOW_MS);
    expect(answers.filter((a) => a.status !== 429)).toHaveLength(LIMIT);
    expect(new Set(statuses(answers))).toEqual(new Set([201, 429]));
  });

  it('lets the client book again once Retry-After has passed', async () => {
    const client = asClient('198.51.100.4');
    const first = await bookTimes(LIMIT + 1, () => book(viaTwo.url, eventId, client));
    const refusedAt = Date.now();
    expect(first[LIMIT].status).toBe(429);
    // What a client does: waits the Retry-After it was told (counted from the answer), then tries again.
    const retryAt = refusedAt + Number(first[LIMIT].retryAfter) * 1000;
    await waitFor('the advertised Retry-After', () => Date.now() >= retryAt);
    expect((await book(viaOne.url, eventId, client)).status).toBe(201);
  });

  it("with TRUST_PROXY off, ignores X-Forwarded-For: every client behind the proxy shares the proxy's bucket", async () => {
    const untrusting = await startChildApp({ ...limited });
    const via = await startForwardingProxy(untrusting.url, { localAddress: PROXY_ADDRESS });
    try {
      const first = await bookTimes(LIMIT, () => book(via.url, eventId, asClient('198.51.100.5')));
      expect(statuses(first)).toEqual(Array(LIMIT).fill(201));
      const other = await book(via.url, eventId, asClient('198.51.100.6'));
      expect(other.status).toBe(429);
    } finally {
      await via.close();
      await untrusting.stop();
    }
  });
});
