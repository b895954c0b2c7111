import { STRATEGY_NAMES } from '../../src/domain/inventory/strategies/strategy-name';
import { closeTestDb, tableCounts, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';
import { RunningApp, startApp } from '../support/test-app';
import { admin, json } from '../support/sale';

describe('events API', () => {
  let app: RunningApp;
  const api = (path: string) => `${app.url}/api/v1${path}`;
  const post = (body: unknown, headers: Record<string, string> = admin) =>
    fetch(api('/events'), { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const valid = { name: 'Night 1', startsAt: '2027-06-01T19:30:00Z', capacity: 50 };

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    app = await startApp();
  });
  afterAll(async () => {
    await app.close();
    await closeTestDb();
    await closeTestRedis();
  });

  it('creates an event with its seats on sale, and reads it back', async () => {
    const res = await post({ ...valid, priceCents: 4900, strategy: 'optimistic', maxPerCustomer: 4 });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({
      name: 'Night 1',
      capacity: 50,
      sold: 0,
      available: 50,
      strategy: 'optimistic',
      priceCents: 4900,
      maxPerCustomer: 4,
    });
    expect(created.startsAt).toBe('2027-06-01T19:30:00.000Z');
    const got = await (await fetch(api(`/events/${created.id}`))).json();
    expect(got).toEqual(created);
  });

  it('defaults the strategy to atomic and the price to 0', async () => {
    const created = await (await post(valid)).json();
    expect(created).toMatchObject({ strategy: 'atomic', priceCents: 0, maxPerCustomer: null });
  });

  it('answers 404 with a code for an unknown event', async () => {
    const res = await fetch(api('/events/999999'));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'event 999999 does not exist',
      code: 'EVENT_NOT_FOUND',
      requestId: res.headers.get('x-request-id'),
    });
  });

  it.each([
    ['no Authorization header', json],
    ['a wrong token', { ...json, authorization: 'Bearer not-the-token-at-all' }],
    ['a token without Bearer', { ...json, authorization: 'test-admin-token-0123456789' }],
  ])('refuses admin routes with %s (401), writing nothing', async (_what, headers) => {
    const existing = await (await post(valid)).json();
    const before = await tableCounts();
    const create = await post(valid, headers);
    expect(create.status).toBe(401);
    expect((await create.json()).code).toBe('UNAUTHORIZED');
    const change = await fetch(api(`/events/${existing.id}/strategy`), {
      method: 'PUT',
      headers,
      body: JSON.stringify({ strategy: 'pessimistic' }),
    });
    expect(change.status).toBe(401);
    const reconcile = await fetch(api(`/events/${existing.id}/reconcile`), { method: 'POST', headers });
    expect(reconcile.status).toBe(401);
    expect(await tableCounts()).toEqual(before);
    expect((await (await fetch(api(`/events/${existing.id}`))).json()).strategy).toBe(existing.strategy);
  });

  const invalidBodies: [string, unknown, RegExp][] = [
    ['missing name', { startsAt: valid.startsAt, capacity: 5 }, /name/],
    ['empty name', { ...valid, name: '' }, /name/],
    ['name too long', { ...valid, name: 'x'.repeat(201) }, /name/],
    ['name with a control character', { ...valid, name: 'bad\u0007name' }, /control characters/],
    ['name not a string', { ...valid, name: 42 }, /name/],
    ['startsAt not a date', { ...valid, startsAt: 'tomorrow' }, /startsAt must be an ISO 8601/],
    ['startsAt a number', { ...valid, startsAt: 1767225600 }, /startsAt/],
    ['capacity missing', { name: 'x', startsAt: valid.startsAt }, /capacity/],
    ['capacity zero', { ...valid, capacity: 0 }, /capacity must not be less than 1/],
    ['capacity negative', { ...valid, capacity: -5 }, /capacity/],
    ['capacity a float', { ...valid, capacity: 2.5 }, /capacity must be an integer/],
    ['capacity a numeric string', { ...valid, capacity: '50' }, /capacity must be an integer/],
    ['capacity huge', { ...valid, capacity: 1e12 }, /capacity must not be greater than/],
    ['unknown strategy', { ...valid, strategy: 'yolo' }, /strategy must be one of/],
    ['negative price', { ...valid, priceCents: -1 }, /priceCents/],
    ['unknown field', { ...valid, discount: 10 }, /property discount should not exist/],
    ['maxPerCustomer zero', { ...valid, maxPerCustomer: 0 }, /maxPerCustomer/],
    ['an array body', [valid], /property 0 should not exist/],
    ['malformed JSON', '{"name": "x",', /malformed JSON/],
  ];

  it.each(invalidBodies)('answers 400 for %s and writes nothing', async (_what, body, message) => {
    const before = await tableCounts();
    const res = await post(body);
    expect(res.status).toBe(400);
    const error = await res.json();
    expect(error).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(error.message).toMatch(message);
    expect(await tableCounts()).toEqual(before);
  });

  it.each([
    ['/events/abc', 'non-numeric id', /^id must be a positive integer$/],
    ['/events/0', 'zero id', /^id must be a positive integer$/],
    ['/events/-3', 'negative id', /^id must be a positive integer$/],
    ['/events/1.5', 'fractional id', /^id must be a positive integer$/],
    ['/events/99999999999', 'id beyond INT range', /^id must be a positive integer$/],
    ['/events?limit=0', 'limit zero', /^limit must not be less than 1$/],
    ['/events?limit=1000', 'limit too large', /^limit must not be greater than 100$/],
    ['/events?limit=abc', 'limit not a number', /^limit must be an integer/],
    ['/events?cursor=%27%3B--', 'forged cursor', /^cursor is not a cursor this API returned$/],
    ['/events?cursor=YWJj', 'cursor that decodes to garbage', /^cursor is not a cursor this API returned$/],
  ])('answers 400 for GET %s (%s), naming the parameter', async (path, _what, message) => {
    const res = await fetch(api(path));
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(message);
  });

  it('has no unsafe strategy: the control group exists only in the test harness', async () => {
    const existing = await (await post(valid)).json();
    const before = await tableCounts();
    for (const [method, path, body] of [
      ['POST', '/events', { ...valid, strategy: 'unsafe' }],
      ['PUT', `/events/${existing.id}/strategy`, { strategy: 'unsafe' }],
    ] as const) {
      const res = await fetch(api(path), { method, headers: admin, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(new RegExp(`^strategy must be one of the following values: ${STRATEGY_NAMES.join(', ')}`)),
      });
    }
    expect(await tableCounts()).toEqual(before);
  });

  it('switches the strategy (admin) and shows it at once', async () => {
    const created = await (await post(valid)).json();
    const res = await fetch(api(`/events/${created.id}/strategy`), {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ strategy: 'pessimistic' }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).strategy).toBe('pessimistic');
    expect((await (await fetch(api(`/events/${created.id}`))).json()).strategy).toBe('pessimistic');
    const bad = await fetch(api(`/events/${created.id}/strategy`), {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ strategy: 'PESSIMISTIC' }),
    });
    expect(bad.status).toBe(400);
    const missing = await fetch(api('/events/999999/strategy'), {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ strategy: 'atomic' }),
    });
    expect(missing.status).toBe(404);
  });

  it('pages through every event exactly once with the cursor', async () => {
    for (let i = 0; i < 7; i++) await post({ ...valid, name: `Page ${i}` });
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { id: number }[]; nextCursor: string | null } = await (
        await fetch(api(`/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`))
      ).json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    const all = await (await fetch(api('/events?limit=100'))).json();
    expect(all.nextCursor).toBeNull();
    expect(seen).toEqual(all.items.map((e: { id: number }) => e.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(seen.length / 3));
  });
});
