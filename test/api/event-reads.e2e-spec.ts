import { admin, book, burst, createEvent, ownerOf } from '../support/sale';
import { closeTestDb, rows, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';
import { waitFor } from '../support/purchase-loop';
import { RunningApp, startApp } from '../support/test-app';

const CACHE_MS = 300;

/**
 * GET /events/:id and the list answer from a per-instance copy (Redis pool +
 * MySQL counts, read once per copy), with an ETag and Cache-Control; the counts
 * are exact once traffic settles, and an admin change shows at once.
 */
describe('event reads from memory', () => {
  let app: RunningApp;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}/api/v1${path}`, { headers });

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    app = await startApp({ EVENT_READ_CACHE_MS: String(CACHE_MS) });
  });
  afterAll(async () => {
    await app.close();
    await closeTestDb();
    await closeTestRedis();
  });

  it('answers with an ETag and Cache-Control, and 304 to a client that has it', async () => {
    const event = await createEvent(app.url, { capacity: 10 });
    const first = await get(`/events/${event.id}`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/".+"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=1');
    const again = await get(`/events/${event.id}`, { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const list = await get('/events?limit=5');
    expect(list.headers.get('etag')).toMatch(/^W\//);
  });

  it('counts are exact once traffic settles: equal to MySQL and the Redis pool after the copy expires', async () => {
    const event = await createEvent(app.url, { capacity: 50, strategy: 'atomic' });
    await get(`/events/${event.id}`);
    const answers = await burst(80, () => book(app.url, event.id, 1));
    const cancelled = answers.filter((a) => a.status === 201).slice(0, 5);
    for (const a of cancelled) await fetch(`${app.url}/api/v1/bookings/${a.body?.reference}`, { method: 'DELETE', headers: ownerOf(a) });
    const [{ sold }] = await rows<{ sold: number }>('SELECT COUNT(*) AS sold FROM tickets WHERE event_id = ?', [event.id]);
    // Polled until the copy (EVENT_READ_CACHE_MS) has expired: a copy that never expires times out here.
    let shown = await (await get(`/events/${event.id}`)).json();
    await waitFor('the copy expired', async () => {
      shown = await (await get(`/events/${event.id}`)).json();
      return shown.sold === Number(sold);
    });
    expect({ sold: shown.sold, available: shown.available }).toEqual({ sold: Number(sold), available: 50 - Number(sold) });
    expect(shown.sold).toBe(45);
    const page = await (await get('/events?limit=100')).json();
    expect(page.items.find((e: { id: number }) => e.id === event.id)).toMatchObject({ sold: 45, available: 5 });
  });

  it('an admin change shows at once, copy or not', async () => {
    const event = await createEvent(app.url, { capacity: 10, strategy: 'atomic' });
    expect((await (await get(`/events/${event.id}`)).json()).strategy).toBe('atomic');
    await fetch(`${app.url}/api/v1/events/${event.id}/strategy`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ strategy: 'pessimistic' }),
    });
    expect((await (await get(`/events/${event.id}`)).json()).strategy).toBe('pessimistic');
    await fetch(`${app.url}/api/v1/events/${event.id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ capacity: 12 }) });
    expect(await (await get(`/events/${event.id}`)).json()).toMatchObject({ capacity: 12, available: 12 });
  });
});
