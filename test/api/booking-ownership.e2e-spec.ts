import { createHash, randomBytes } from 'node:crypto';
import type { Answer } from '../../tools/invariants/sale-invariants';
import { admin, book, createEvent, ownerOf, withoutRequestId } from '../support/sale';
import { closeTestDb, rows, snapshot, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis, testRedis } from '../support/test-redis';
import { waitFor } from '../support/purchase-loop';
import { RunningApp, startApp } from '../support/test-app';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

async function call(url: string, method: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method, headers });
  // Every answer names its own request; two answers are alike when all the rest is.
  return { status: res.status, text: (await res.text()).replace(/,"requestId":"[^"]*"/, '') };
}

/**
 * Abuse: a booking is read or cancelled only by whoever holds its secret (or
 * the admin). A stranger walking sequential ids or references, or presenting
 * another customer's secret, sees 404 and changes nothing.
 */
describe('booking ownership and abuse', () => {
  let app: RunningApp;
  let eventId: number;
  let mine: Answer;
  let theirs: Answer;
  const bookingUrl = (reference: string | undefined) => `${app.url}/api/v1/bookings/${reference}`;

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    app = await startApp({ IDEMPOTENCY_ERROR_TTL_SECONDS: '1' });
    eventId = (await createEvent(app.url, { capacity: 20, strategy: 'atomic' })).id;
    mine = await book(app.url, eventId, 2, {}, 'ada@example.com');
    theirs = await book(app.url, eventId, 1, {}, 'bob@example.com');
    expect([mine.status, theirs.status]).toEqual([201, 201]);
  });
  afterAll(async () => {
    await app.close();
    await closeTestDb();
    await closeTestRedis();
  });

  it('answers a booking with an unguessable reference and a secret, never a sequential id', () => {
    expect(mine.body).not.toHaveProperty('id');
    expect(mine.body?.reference).toMatch(/^bk_[A-Za-z0-9_-]{22}$/);
    // 32 random bytes, base64url: 256 bits.
    expect(mine.body?.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mine.body?.reference).not.toBe(theirs.body?.reference);
  });

  it('a stranger walking ids and references reads nothing and cancels nothing', async () => {
    const before = await snapshot();
    const probes = [
      ...Array.from({ length: 30 }, (_, i) => String(i + 1)),
      ...Array.from({ length: 30 }, () => `bk_${randomBytes(16).toString('base64url')}`),
      mine.body!.reference!,
      theirs.body!.reference!,
    ];
    const stranger: Record<string, string>[] = [
      {},
      { authorization: 'Bearer guess' },
      { authorization: `Bearer ${randomBytes(32).toString('base64url')}` },
    ];
    for (const probe of probes) {
      for (const headers of stranger) {
        for (const method of ['GET', 'DELETE']) {
          const answer = await call(bookingUrl(probe), method, headers);
          expect({ probe, method, status: answer.status }).toEqual({ probe, method, status: 404 });
          expect(answer.text).not.toMatch(/@example\.com/);
        }
      }
    }
    // A real reference and a wrong (another customer's) secret: the same 404, no hint that it exists.
    const crossed = await call(bookingUrl(mine.body?.reference), 'DELETE', ownerOf(theirs));
    const unknown = await call(bookingUrl(`bk_${randomBytes(16).toString('base64url')}`), 'DELETE', ownerOf(theirs));
    expect(crossed).toEqual(unknown);
    expect(await snapshot()).toBe(before);
  });

  it('a leaked reference alone is useless; with its secret the owner reads and cancels, and the seats go back on sale', async () => {
    const leaked = mine.body!.reference!;
    expect((await call(bookingUrl(leaked), 'GET')).status).toBe(404);
    const read = await fetch(bookingUrl(leaked), { headers: ownerOf(mine) });
    expect(read.status).toBe(200);
    const booking = await read.json();
    expect(booking).toMatchObject({ reference: leaked, customerEmail: 'ada@example.com', status: 'confirmed', seats: mine.body?.seats });
    expect(booking).not.toHaveProperty('secret');

    const availableBefore = (await (await fetch(`${app.url}/api/v1/events/${eventId}`)).json()).available;
    const cancelled = await fetch(bookingUrl(leaked), { method: 'DELETE', headers: ownerOf(mine) });
    expect(cancelled.status).toBe(200);
    expect((await cancelled.json()).status).toBe('cancelled');
    expect((await (await fetch(`${app.url}/api/v1/events/${eventId}`)).json()).available).toBe(availableBefore + 2);
    // The other customer's booking is untouched.
    expect((await (await fetch(bookingUrl(theirs.body?.reference), { headers: ownerOf(theirs) })).json()).status).toBe('confirmed');
  });

  it('stores the secret and the Idempotency-Key only as hashes', async () => {
    const key = `order-${randomBytes(8).toString('hex')}`;
    const keyed = await book(app.url, eventId, 1, { 'Idempotency-Key': key }, 'cy@example.com');
    expect(keyed.status).toBe(201);
    const [row] = await rows<Record<string, unknown>>('SELECT * FROM bookings WHERE reference = ?', [keyed.body?.reference]);
    expect(row.secret_hash).toBe(sha256(keyed.body!.secret!));
    expect(row.idempotency_key_hash).toBe(sha256(key));
    const stored = JSON.stringify(await rows('SELECT * FROM bookings'));
    expect(stored).not.toContain(keyed.body!.secret!);
    expect(stored).not.toContain(key);
    const idemKeys = await testRedis().keys('*idem*');
    expect(idemKeys.length).toBeGreaterThan(0);
    const redisValues = await Promise.all(idemKeys.map((k) => testRedis().get(k)));
    expect(JSON.stringify(redisValues)).not.toContain(keyed.body!.secret!);
  });

  it('a replay returns the same reference and secret, even after Redis forgot the key', async () => {
    const headers = { 'Idempotency-Key': `order-${randomBytes(8).toString('hex')}` };
    const first = await book(app.url, eventId, 1, headers, 'dee@example.com');
    expect(first.status).toBe(201);
    expect(await book(app.url, eventId, 1, headers, 'dee@example.com')).toEqual(first);
    const redis = testRedis();
    const keys = await redis.keys('*idem*');
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    expect(await book(app.url, eventId, 1, headers, 'dee@example.com')).toEqual(first);
    expect(Number((await rows<{ n: number }>("SELECT COUNT(*) AS n FROM bookings WHERE customer_email = 'dee@example.com'"))[0].n)).toBe(1);
  });

  it("a different body under a known key is 422 and never becomes the key's answer", async () => {
    const headers = { 'Idempotency-Key': `order-${randomBytes(8).toString('hex')}` };
    const first = await book(app.url, eventId, 1, headers, 'eve@example.com');
    expect(first.status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const other = await book(app.url, eventId, 2, headers, 'mallory@example.com');
      expect(other.status).toBe(422);
      expect(other.body?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    expect(await book(app.url, eventId, 1, headers, 'eve@example.com')).toEqual(first);
  });

  it('a refusal (409) is replayed only briefly; after IDEMPOTENCY_ERROR_TTL_SECONDS the key may try again', async () => {
    const tiny = (await createEvent(app.url, { capacity: 1, strategy: 'pessimistic' })).id;
    const holder = await book(app.url, tiny, 1, {}, 'first@example.com');
    expect(holder.status).toBe(201);
    const headers = { 'Idempotency-Key': `order-${randomBytes(8).toString('hex')}` };
    const refused = await book(app.url, tiny, 1, headers, 'later@example.com');
    expect(refused.status).toBe(409);
    expect(withoutRequestId(await book(app.url, tiny, 1, headers, 'later@example.com'))).toEqual(withoutRequestId(refused));
    expect((await fetch(bookingUrl(holder.body?.reference), { method: 'DELETE', headers: ownerOf(holder) })).status).toBe(200);
    // Polled: every try before IDEMPOTENCY_ERROR_TTL_SECONDS is the replayed 409 (no seat taken); then the key books.
    let retried = refused;
    await waitFor('the refusal forgotten', async () => {
      retried = await book(app.url, tiny, 1, headers, 'later@example.com');
      if (retried.status === 409) expect(withoutRequestId(retried)).toEqual(withoutRequestId(refused));
      return retried.status !== 409;
    });
    expect(retried.status).toBe(201);
    expect(retried.body?.seats).toEqual(holder.body?.seats);
  });

  it("the admin reads any booking and pages through an event's bookings with status and e-mail filters", async () => {
    const listed = (await createEvent(app.url, { capacity: 50, strategy: 'optimistic' })).id;
    const made: Answer[] = [];
    for (let i = 0; i < 5; i++) made.push(await book(app.url, listed, 1, {}, `page${i}@example.com`));
    made.push(await book(app.url, listed, 1, {}, 'other_one@example.com'));
    // Differs from the search below only where it has "_": an unescaped LIKE wildcard would match it too.
    made.push(await book(app.url, listed, 1, {}, 'otherXone@example.com'));
    expect((await fetch(bookingUrl(made[1].body?.reference), { method: 'DELETE', headers: ownerOf(made[1]) })).status).toBe(200);

    const byAdmin = await fetch(bookingUrl(made[0].body?.reference), { headers: admin });
    expect(byAdmin.status).toBe(200);
    expect((await byAdmin.json()).customerEmail).toBe('page0@example.com');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await (await fetch(`${app.url}/api/v1/events/${listed}/bookings?${query}`, { headers: admin })).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      for (const item of page.items) expect(item).not.toHaveProperty('secret');
      seen.push(...page.items.map((b: { reference: string }) => b.reference));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made.map((a) => a.body?.reference));

    const list = async (query: string) =>
      (await (await fetch(`${app.url}/api/v1/events/${listed}/bookings?${query}`, { headers: admin })).json()).items.map(
        (b: { customerEmail: string }) => b.customerEmail,
      );
    expect(await list('status=cancelled')).toEqual(['page1@example.com']);
    expect(await list('email=PAGE3')).toEqual(['page3@example.com']);
    // "_" is a character here, not LIKE's wildcard.
    expect(await list('email=other_')).toEqual(['other_one@example.com']);
    expect(await list('email=other%25')).toEqual([]);
    expect((await fetch(`${app.url}/api/v1/events/${listed}/bookings`)).status).toBe(401);
    expect((await fetch(`${app.url}/api/v1/events/${listed}/bookings`, { headers: ownerOf(made[0]) })).status).toBe(401);
    expect((await fetch(`${app.url}/api/v1/events/987654/bookings`, { headers: admin })).status).toBe(404);
  });
});
