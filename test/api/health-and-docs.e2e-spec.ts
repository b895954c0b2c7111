import { freePort } from '../support/child-app';
import { closeTestDb, testDb } from '../support/test-db';
import { RunningApp, startApp } from '../support/test-app';
import { metricsScraper } from '../support/metrics-scraper';

describe('health probes', () => {
  afterAll(async () => {
    await closeTestDb();
  });

  it('is live and ready when MySQL and Redis answer', async () => {
    const app = await startApp();
    try {
      const live = await fetch(`${app.url}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${app.url}/health/ready`, { headers: metricsScraper });
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', info: { mysql: { status: 'up' }, redis: { status: 'up' } } });
    } finally {
      await app.close();
    }
  });

  it('stays live but not ready when Redis is unreachable, and bookings answer 503 with Retry-After', async () => {
    const closedPort = await freePort();
    const app = await startApp({ REDIS_URL: `redis://127.0.0.1:${closedPort}`, REDLOCK_NODES: `redis://127.0.0.1:${closedPort}` });
    try {
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${app.url}/health/ready`, { headers: metricsScraper });
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('5');
      expect(await ready.json()).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
      const [inserted] = await testDb().query(
        "INSERT INTO events (name, starts_at, capacity, strategy) VALUES ('Redis down', NOW(), 5, 'atomic')",
      );
      const eventId = (inserted as { insertId: number }).insertId;
      const booking = await fetch(`${app.url}/api/v1/events/${eventId}/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customerEmail: 'a@example.com', quantity: 1 }),
      });
      expect(booking.status).toBe(503);
      expect(booking.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await booking.json()).code).toBe('REDIS_UNAVAILABLE');
    } finally {
      await app.close();
    }
  });
});

describe('OpenAPI', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves the UI at /docs and a valid OpenAPI 3 document listing every route at /docs-json', async () => {
    expect((await fetch(`${app.url}/docs`)).status).toBe(200);
    const doc = await (await fetch(`${app.url}/docs-json`)).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('seatguard');
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'POST /api/v1/events',
        'GET /api/v1/events',
        'GET /api/v1/events/{id}',
        'PATCH /api/v1/events/{id}',
        'POST /api/v1/events/{id}/cancel',
        'POST /api/v1/events/{id}/holds',
        'POST /api/v1/holds/{reference}/confirm',
        'DELETE /api/v1/holds/{reference}',
        'POST /api/v1/events/{id}/waitlist',
        'GET /api/v1/waitlist/{reference}',
        'DELETE /api/v1/waitlist/{reference}',
        'PUT /api/v1/events/{id}/strategy',
        'POST /api/v1/events/{id}/reconcile',
        'POST /api/v1/events/{id}/bookings',
        'GET /api/v1/events/{id}/bookings',
        'GET /api/v1/bookings/{reference}',
        'DELETE /api/v1/bookings/{reference}',
        'POST /api/v1/admin/keys',
        'GET /api/v1/admin/keys',
        'DELETE /api/v1/admin/keys/{id}',
        'GET /api/v1/admin/audit',
        'POST /api/v1/admin/webhooks/endpoints',
        'GET /api/v1/admin/webhooks/endpoints',
        'GET /api/v1/admin/webhooks/endpoints/{id}',
        'PATCH /api/v1/admin/webhooks/endpoints/{id}',
        'DELETE /api/v1/admin/webhooks/endpoints/{id}',
        'POST /api/v1/admin/webhooks/endpoints/{id}/rotate-secret',
        'GET /api/v1/admin/webhooks/deliveries',
        'POST /api/v1/admin/webhooks/deliveries/{id}/replay',
        'POST /api/v1/events/{id}/queue',
        'GET /api/v1/queue/{reference}',
        'GET /api/v1/queue/{reference}/events',
        'GET /health/live',
        'GET /health/ready',
        'GET /metrics',
      ].sort(),
    );
    const operationIds = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap((ops) =>
      Object.values(ops).map((op) => op.operationId),
    );
    expect(new Set(operationIds).size).toBe(operationIds.length);
    expect(operationIds).toContain('Bookings_create');
    expect(doc.components.securitySchemes['admin-token']).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'ADMIN_TOKEN' });
    expect(doc.components.securitySchemes['admin-key']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: expect.stringMatching(/^sgk_/),
    });
    const createBooking = doc.paths['/api/v1/events/{id}/bookings'].post;
    expect(Object.keys(createBooking.responses).sort()).toEqual(['201', '400', '404', '409', '413', '415', '422', '429', '503']);
    // The two admin credentials are alternatives: either one, in the same header.
    expect(doc.paths['/api/v1/events'].post.security).toEqual([{ 'admin-token': [] }, { 'admin-key': [] }]);
    expect(doc.components.securitySchemes['booking-secret']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/v1/bookings/{reference}'].get.security).toEqual([
      { 'booking-secret': [] },
      { 'admin-token': [] },
      { 'admin-key': [] },
    ]);
    expect(doc.paths['/api/v1/events/{id}'].get.security).toEqual([]);
    expect(doc.components.schemas.BookingResponse.properties).toHaveProperty('reference');
    expect(doc.components.schemas.BookingResponse.properties).not.toHaveProperty('id');
  });

  it('serves Prometheus metrics', async () => {
    const text = await (await fetch(`${app.url}/metrics`, { headers: metricsScraper })).text();
    expect(text).toContain('# TYPE seatguard_bookings_total counter');
    expect(text).toContain('\nprocess_resident_memory_bytes ');
    // Pool gauges are read at scrape time: the ready probe and this app's queries opened connections.
    const inUse = /^seatguard_db_pool_connections\{state="in_use"\} (\d+)/m.exec(text);
    const idle = /^seatguard_db_pool_connections\{state="idle"\} (\d+)/m.exec(text);
    expect(Number(inUse?.[1]) + Number(idle?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/^seatguard_redis_watch_pool_connections\{state="waiting"\} 0$/m);
  });
});
