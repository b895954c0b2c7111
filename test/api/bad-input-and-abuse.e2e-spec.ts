import { ADMIN_TOKEN } from '../setup/test-settings';
import { admin, createEvent, json } from '../support/sale';
import { closeTestDb, rows, snapshot, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';
import { randomBytes } from 'node:crypto';
import { startExtraRedis } from '../../tools/redis-server';
import { startChildApp } from '../support/child-app';
import { RunningApp, startApp } from '../support/test-app';

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  /** What the message must say (the part that names the problem). */
  says: RegExp;
}

const wrongAdmin = { authorization: 'Bearer not-the-admin-token-at-all', 'content-type': 'application/json' };
const booking = (fields: Record<string, unknown>) => JSON.stringify({ customerEmail: 'ada@example.com', quantity: 1, ...fields });
const eventBody = (fields: Record<string, unknown>) =>
  JSON.stringify({ name: 'Bad input', startsAt: '2027-01-01T20:00:00Z', capacity: 10, ...fields });

describe('bad input corpus and abuse', () => {
  let app: RunningApp;
  let eventId: number;

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    app = await startApp();
    eventId = (await createEvent(app.url, { capacity: 10 })).id;
    // One real booking, so the cancellation and lookup cases have something to hit.
    expect((await fetch(`${app.url}/api/v1/events/${eventId}/bookings`, { method: 'POST', headers: json, body: booking({}) })).status).toBe(
      201,
    );
  });
  afterAll(async () => {
    await app.close();
    await closeTestDb();
    await closeTestRedis();
  });

  // Built when the test runs: eventId is only known after beforeAll.
  const corpus = (): Case[] => {
    const bookings = `/api/v1/events/${eventId}/bookings`;
    return [
      // --- POST /events/:id/bookings: body
      {
        name: 'quantity as string',
        method: 'POST',
        path: bookings,
        body: booking({ quantity: '1' }),
        status: 400,
        says: /quantity must be a whole number/,
      },
      {
        name: 'quantity float',
        method: 'POST',
        path: bookings,
        body: booking({ quantity: 1.5 }),
        status: 400,
        says: /quantity must be a whole number/,
      },
      {
        name: 'quantity zero',
        method: 'POST',
        path: bookings,
        body: booking({ quantity: 0 }),
        status: 400,
        says: /quantity must not be less than 1/,
      },
      {
        name: 'quantity negative',
        method: 'POST',
        path: bookings,
        body: booking({ quantity: -3 }),
        status: 400,
        says: /quantity must not be less than 1/,
      },
      { name: 'quantity huge', method: 'POST', path: bookings, body: booking({ quantity: 1e300 }), status: 400, says: /quantity/ },
      {
        name: 'quantity above the per-booking cap',
        method: 'POST',
        path: bookings,
        body: booking({ quantity: 11 }),
        status: 400,
        says: /quantity must not be greater than 10/,
      },
      { name: 'quantity null', method: 'POST', path: bookings, body: booking({ quantity: null }), status: 400, says: /quantity/ },
      {
        name: 'quantity array',
        method: 'POST',
        path: bookings,
        body: booking({ quantity: [1] }),
        status: 400,
        says: /quantity must be a whole number/,
      },
      {
        name: 'quantity object',
        method: 'POST',
        path: bookings,
        body: booking({ quantity: { $gt: 0 } }),
        status: 400,
        says: /quantity must be a whole number/,
      },
      {
        name: 'quantity boolean',
        method: 'POST',
        path: bookings,
        body: booking({ quantity: true }),
        status: 400,
        says: /quantity must be a whole number/,
      },
      {
        name: 'quantity missing',
        method: 'POST',
        path: bookings,
        body: JSON.stringify({ customerEmail: 'ada@example.com' }),
        status: 400,
        says: /quantity/,
      },
      { name: 'email missing', method: 'POST', path: bookings, body: JSON.stringify({ quantity: 1 }), status: 400, says: /customerEmail/ },
      {
        name: 'email not an email',
        method: 'POST',
        path: bookings,
        body: booking({ customerEmail: 'not-an-email' }),
        status: 400,
        says: /customerEmail must be an e-mail address/,
      },
      {
        name: 'email SQL injection',
        method: 'POST',
        path: bookings,
        body: booking({ customerEmail: "x' OR '1'='1@example.com; DROP TABLE tickets;--" }),
        status: 400,
        says: /customerEmail must be an e-mail address/,
      },
      {
        name: 'email number',
        method: 'POST',
        path: bookings,
        body: booking({ customerEmail: 42 }),
        status: 400,
        says: /customerEmail must be an e-mail address/,
      },
      {
        name: 'email with control characters',
        method: 'POST',
        path: bookings,
        body: booking({ customerEmail: 'ada\u0000\u0007@example.com' }),
        status: 400,
        says: /customerEmail must (be an e-mail address|not contain control)/,
      },
      {
        name: 'email with a bidi override',
        method: 'POST',
        path: bookings,
        body: booking({ customerEmail: '\u202eada@example.com' }),
        status: 400,
        says: /customerEmail must not contain control or formatting characters/,
      },
      {
        name: 'email 10 kB',
        method: 'POST',
        path: bookings,
        body: booking({ customerEmail: `${'a'.repeat(10_000)}@example.com` }),
        status: 400,
        says: /customerEmail/,
      },
      {
        name: 'extra field',
        method: 'POST',
        path: bookings,
        body: booking({ seat: 1 }),
        status: 400,
        says: /property seat should not exist/,
      },
      {
        name: 'prototype pollution',
        method: 'POST',
        path: bookings,
        body: '{"customerEmail":"ada@example.com","quantity":1,"__proto__":{"admin":true}}',
        status: 400,
        says: /property __proto__ is not allowed/,
      },
      {
        name: 'strategy smuggled into a booking',
        method: 'POST',
        path: bookings,
        body: booking({ strategy: 'unsafe' }),
        status: 400,
        says: /property strategy should not exist/,
      },
      { name: 'array body', method: 'POST', path: bookings, body: '[1,2]', status: 400, says: /property 0 should not exist/ },
      { name: 'string body', method: 'POST', path: bookings, body: '"book me"', status: 400, says: /malformed JSON body/ },
      { name: 'empty JSON body', method: 'POST', path: bookings, body: '{}', status: 400, says: /quantity|customerEmail/ },
      { name: 'malformed JSON', method: 'POST', path: bookings, body: '{"quantity": 1,', status: 400, says: /malformed JSON/ },
      {
        name: 'JSON injection (duplicate keys)',
        method: 'POST',
        path: bookings,
        body: '{"customerEmail":"ada@example.com","quantity":1,"quantity":"1; DROP"}',
        status: 400,
        says: /quantity must be a whole number/,
      },
      {
        name: 'constructor key',
        method: 'POST',
        path: bookings,
        body: '{"customerEmail":"ada@example.com","quantity":1,"constructor":{"prototype":{}}}',
        status: 400,
        says: /property (constructor|prototype) is not allowed/,
      },
      {
        name: 'body over the size limit',
        method: 'POST',
        path: bookings,
        body: JSON.stringify({ customerEmail: 'ada@example.com', quantity: 1, pad: 'x'.repeat(64 * 1024) }),
        status: 413,
        says: /too large/i,
      },
      {
        name: 'form-encoded body',
        method: 'POST',
        path: bookings,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'quantity=1',
        status: 415,
        says: /application\/json/,
      },
      {
        name: 'text/plain body',
        method: 'POST',
        path: bookings,
        headers: { 'content-type': 'text/plain' },
        body: booking({}),
        status: 415,
        says: /application\/json/,
      },
      { name: 'no content type', method: 'POST', path: bookings, headers: {}, body: booking({}), status: 415, says: /application\/json/ },
      {
        name: 'XML body',
        method: 'POST',
        path: bookings,
        headers: { 'content-type': 'application/xml' },
        body: '<booking/>',
        status: 415,
        says: /application\/json/,
      },
      // --- POST /events/:id/bookings: path and headers
      {
        name: 'event id negative',
        method: 'POST',
        path: '/api/v1/events/-1/bookings',
        body: booking({}),
        status: 400,
        says: /id must be a positive integer/,
      },
      {
        name: 'event id zero',
        method: 'POST',
        path: '/api/v1/events/0/bookings',
        body: booking({}),
        status: 400,
        says: /id must be a positive integer/,
      },
      {
        name: 'event id non-numeric',
        method: 'POST',
        path: '/api/v1/events/abc/bookings',
        body: booking({}),
        status: 400,
        says: /id must be a positive integer/,
      },
      {
        name: 'event id float',
        method: 'POST',
        path: '/api/v1/events/1.5/bookings',
        body: booking({}),
        status: 400,
        says: /id must be a positive integer/,
      },
      {
        name: 'event id huge',
        method: 'POST',
        path: '/api/v1/events/99999999999999999999999/bookings',
        body: booking({}),
        status: 400,
        says: /id must be a positive integer/,
      },
      {
        name: 'event id SQL',
        method: 'POST',
        path: `/api/v1/events/${encodeURIComponent('1 OR 1=1')}/bookings`,
        body: booking({}),
        status: 400,
        says: /id must be a positive integer/,
      },
      {
        name: 'event id hex',
        method: 'POST',
        path: '/api/v1/events/0x10/bookings',
        body: booking({}),
        status: 400,
        says: /id must be a positive integer/,
      },
      {
        name: 'unknown event',
        method: 'POST',
        path: '/api/v1/events/987654/bookings',
        body: booking({}),
        status: 404,
        says: /event 987654 does not exist/,
      },
      {
        name: 'Idempotency-Key too long',
        method: 'POST',
        path: bookings,
        headers: { ...json, 'idempotency-key': 'k'.repeat(300) },
        body: booking({}),
        status: 400,
        says: /Idempotency-Key/,
      },
      {
        name: 'Idempotency-Key empty',
        method: 'POST',
        path: bookings,
        headers: { ...json, 'idempotency-key': '' },
        body: booking({}),
        status: 400,
        says: /Idempotency-Key/,
      },
      {
        name: 'Idempotency-Key with spaces and quotes',
        method: 'POST',
        path: bookings,
        headers: { ...json, 'idempotency-key': 'a b\'"c' },
        body: booking({}),
        status: 400,
        says: /Idempotency-Key/,
      },
      // --- bookings by reference: anything but a visible booking is the same 404, even for the admin
      {
        name: 'GET booking non-reference',
        method: 'GET',
        path: '/api/v1/bookings/abc',
        headers: admin,
        status: 404,
        says: /no booking with this reference/,
      },
      {
        name: 'GET booking sequential id',
        method: 'GET',
        path: '/api/v1/bookings/1',
        headers: admin,
        status: 404,
        says: /no booking with this reference/,
      },
      {
        name: 'GET booking unknown',
        method: 'GET',
        path: '/api/v1/bookings/bk_AAAAAAAAAAAAAAAAAAAAAA',
        headers: admin,
        status: 404,
        says: /no booking with this reference/,
      },
      {
        name: 'DELETE booking SQL',
        method: 'DELETE',
        path: `/api/v1/bookings/${encodeURIComponent("bk_' OR 1=1 --")}`,
        headers: admin,
        status: 404,
        says: /no booking with this reference/,
      },
      {
        name: 'DELETE booking huge',
        method: 'DELETE',
        path: `/api/v1/bookings/bk_${'A'.repeat(5000)}`,
        headers: admin,
        status: 404,
        says: /no booking with this reference/,
      },
      {
        name: 'DELETE booking unknown',
        method: 'DELETE',
        path: '/api/v1/bookings/bk_AAAAAAAAAAAAAAAAAAAAAA',
        headers: admin,
        status: 404,
        says: /no booking with this reference/,
      },
      // --- an event's bookings (admin)
      { name: 'list bookings without token', method: 'GET', path: bookings, status: 401, says: /admin token/i },
      {
        name: 'list bookings bad status',
        method: 'GET',
        path: `${bookings}?status=frozen`,
        headers: admin,
        status: 400,
        says: /status must be one of/,
      },
      {
        name: 'list bookings bad cursor',
        method: 'GET',
        path: `${bookings}?cursor=${encodeURIComponent('!!')}`,
        headers: admin,
        status: 400,
        says: /cursor/,
      },
      { name: 'list bookings limit 0', method: 'GET', path: `${bookings}?limit=0`, headers: admin, status: 400, says: /limit/ },
      // --- events (admin)
      {
        name: 'create event without token',
        method: 'POST',
        path: '/api/v1/events',
        headers: json,
        body: eventBody({}),
        status: 401,
        says: /admin token/i,
      },
      {
        name: 'create event wrong token',
        method: 'POST',
        path: '/api/v1/events',
        headers: wrongAdmin,
        body: eventBody({}),
        status: 401,
        says: /admin token/i,
      },
      {
        name: 'create event token as Basic',
        method: 'POST',
        path: '/api/v1/events',
        headers: { ...json, authorization: `Basic ${ADMIN_TOKEN}` },
        body: eventBody({}),
        status: 401,
        says: /admin token/i,
      },
      {
        name: 'capacity zero',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ capacity: 0 }),
        status: 400,
        says: /capacity must not be less than 1/,
      },
      {
        name: 'capacity float',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ capacity: 2.5 }),
        status: 400,
        says: /capacity must be an integer/,
      },
      {
        name: 'capacity huge',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ capacity: 1e12 }),
        status: 400,
        says: /capacity must not be greater than/,
      },
      {
        name: 'capacity string',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ capacity: 'many' }),
        status: 400,
        says: /capacity must be an integer/,
      },
      {
        name: 'unknown strategy',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ strategy: 'yolo' }),
        status: 400,
        says: /strategy must be one of/,
      },
      {
        name: 'startsAt not a date',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ startsAt: 'tomorrow' }),
        status: 400,
        says: /startsAt/,
      },
      {
        name: 'name empty',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ name: '' }),
        status: 400,
        says: /name/,
      },
      {
        name: 'name 10 kB',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ name: 'n'.repeat(10_000) }),
        status: 400,
        says: /name must be shorter than or equal to/,
      },
      {
        name: 'negative price',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ priceCents: -1 }),
        status: 400,
        says: /priceCents must not be less than 0/,
      },
      {
        name: 'maxPerCustomer float',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ maxPerCustomer: 0.5 }),
        status: 400,
        says: /maxPerCustomer must be an integer/,
      },
      {
        name: 'event extra field id',
        method: 'POST',
        path: '/api/v1/events',
        headers: admin,
        body: eventBody({ id: 1 }),
        status: 400,
        says: /property id should not exist/,
      },
      { name: 'GET event id non-numeric', method: 'GET', path: '/api/v1/events/abc', status: 400, says: /id must be a positive integer/ },
      {
        name: 'GET events limit too big',
        method: 'GET',
        path: '/api/v1/events?limit=100000',
        status: 400,
        says: /limit must not be greater than/,
      },
      {
        name: 'GET events limit negative',
        method: 'GET',
        path: '/api/v1/events?limit=-1',
        status: 400,
        says: /limit must not be less than 1/,
      },
      { name: 'GET events forged cursor', method: 'GET', path: '/api/v1/events?cursor=%27%3B--', status: 400, says: /cursor/ },
      {
        name: 'GET events unknown query',
        method: 'GET',
        path: '/api/v1/events?admin=1',
        status: 400,
        says: /property admin should not exist/,
      },
      {
        name: 'PUT strategy wrong token',
        method: 'PUT',
        path: `/api/v1/events/${eventId}/strategy`,
        headers: wrongAdmin,
        body: '{"strategy":"optimistic"}',
        status: 401,
        says: /admin token/i,
      },
      {
        name: 'PUT strategy unknown',
        method: 'PUT',
        path: `/api/v1/events/${eventId}/strategy`,
        headers: admin,
        body: '{"strategy":"fast"}',
        status: 400,
        says: /strategy must be one of/,
      },
      {
        name: 'PUT strategy missing',
        method: 'PUT',
        path: `/api/v1/events/${eventId}/strategy`,
        headers: admin,
        body: '{}',
        status: 400,
        says: /strategy/,
      },
      {
        name: 'PUT strategy on unknown event',
        method: 'PUT',
        path: '/api/v1/events/987654/strategy',
        headers: admin,
        body: '{"strategy":"atomic"}',
        status: 404,
        says: /event 987654 does not exist/,
      },
      {
        name: 'reconcile wrong token',
        method: 'POST',
        path: `/api/v1/events/${eventId}/reconcile`,
        headers: wrongAdmin,
        status: 401,
        says: /admin token/i,
      },
      {
        name: 'reconcile id negative',
        method: 'POST',
        path: '/api/v1/events/-1/reconcile',
        headers: admin,
        status: 400,
        says: /id must be a positive integer/,
      },
    ];
  };

  it('answers every one of 70+ malformed requests with a 4xx that says what is wrong, and changes nothing in MySQL or Redis', async () => {
    const cases = corpus();
    expect(cases.length).toBeGreaterThanOrEqual(60);
    const before = await snapshot();
    const wrong: string[] = [];
    for (const c of cases) {
      const res = await fetch(`${app.url}${c.path}`, { method: c.method, headers: c.headers ?? json, body: c.body });
      const text = await res.text();
      let message = '';
      try {
        const body = JSON.parse(text) as { message?: unknown };
        message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? '');
      } catch {
        wrong.push(`${c.name}: body is not JSON: ${text.slice(0, 80)}`);
      }
      if (res.status !== c.status) wrong.push(`${c.name}: ${res.status} instead of ${c.status} (${message})`);
      if (!c.says.test(message)) wrong.push(`${c.name}: message "${message}" does not match ${c.says}`);
      if (/\bat .+\.(js|ts):\d+|node_modules|SELECT |INSERT |ER_/.test(text))
        wrong.push(`${c.name}: internals leaked: ${text.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('sets security headers (helmet) and no X-Powered-By', async () => {
    const res = await fetch(`${app.url}/api/v1/events/${eventId}`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('allows CORS only from the configured origins', async () => {
    const configured = await startApp({ CORS_ORIGINS: 'https://tickets.example.com' });
    try {
      const allowed = await fetch(`${configured.url}/api/v1/events`, { headers: { origin: 'https://tickets.example.com' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://tickets.example.com');
      const other = await fetch(`${configured.url}/api/v1/events`, { headers: { origin: 'https://evil.example.com' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await configured.close();
    }
    const off = await fetch(`${app.url}/api/v1/events`, { headers: { origin: 'https://tickets.example.com' } });
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rate-limits the booking route per client when turned on: 429 RATE_LIMITED with Retry-After, nothing booked', async () => {
    const limited = await startApp({ BOOKING_RATE_LIMIT: '3', BOOKING_RATE_WINDOW_MS: '60000' });
    try {
      const event = await createEvent(limited.url, { capacity: 100 });
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 6; i++) {
        last = await fetch(`${limited.url}/api/v1/events/${event.id}/bookings`, { method: 'POST', headers: json, body: booking({}) });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([201, 201, 201, 429, 429, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await last!.json()) as { code: string }).code).toBe('RATE_LIMITED');
      const [{ n }] = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM tickets WHERE event_id = ?', [event.id]);
      expect(Number(n)).toBe(3);
      // Other routes are not limited.
      expect((await fetch(`${limited.url}/api/v1/events/${event.id}`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('never writes a secret to the logs', async () => {
    // Every kind of secret the app handles is really used: the admin token, a wrong one, a booking's secret (shown
    // in the 201 and presented back), an Idempotency-Key, and a Redis password in REDIS_URL and REDLOCK_NODES.
    const redisPassword = `redis-pw-${randomBytes(8).toString('hex')}`;
    const redis = await startExtraRedis({ password: redisPassword });
    const idempotencyKey = `idem-${randomBytes(8).toString('hex')}`;
    let booked: { reference?: string; secret?: string } = {};
    try {
      const verbose = await startChildApp({ LOG_LEVEL: 'debug', REDIS_URL: redis.url, REDLOCK_NODES: redis.url });
      try {
        await fetch(`${verbose.url}/api/v1/events`, { method: 'POST', headers: admin, body: eventBody({}) });
        await fetch(`${verbose.url}/api/v1/events`, { method: 'POST', headers: wrongAdmin, body: eventBody({}) });
        await fetch(`${verbose.url}/api/v1/events/${eventId}/bookings`, { method: 'POST', headers: json, body: '{"quantity":' });
        const res = await fetch(`${verbose.url}/api/v1/events/${eventId}/bookings`, {
          method: 'POST',
          headers: { ...json, 'Idempotency-Key': idempotencyKey },
          body: booking({}),
        });
        expect(res.status).toBe(201);
        booked = (await res.json()) as typeof booked;
        const read = await fetch(`${verbose.url}/api/v1/bookings/${booked.reference}`, {
          headers: { authorization: `Bearer ${booked.secret}` },
        });
        expect(read.status).toBe(200);
      } finally {
        await verbose.stop();
      }
      const log = verbose.output();
      // The request lines were written (so the checks below looked at something), the booking's included.
      expect(log).toContain('"authorization":"[redacted]"');
      expect(log).toContain(booked.reference);
      for (const secret of [ADMIN_TOKEN, 'not-the-admin-token-at-all', booked.secret!, idempotencyKey, redisPassword]) {
        expect(log).not.toContain(secret);
      }
      if (process.env.DB_PASSWORD) expect(log).not.toContain(process.env.DB_PASSWORD);
    } finally {
      await redis.stop();
    }
  });
});
