import { verifyWebhookSignature } from '../../src/domain/webhooks/webhook-signature';
import { Cleanups } from '../support/cleanups';
import { metricsScraper } from '../support/metrics-scraper';
import { waitFor } from '../support/purchase-loop';
import { admin, book, burst, createEvent, json, ownerOf } from '../support/sale';
import { RunningApp, startApp } from '../support/test-app';
import { closeTestDb, rows, testDb, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';
import { ReceivedWebhook, WebhookReceiver } from '../support/webhook-receiver';

/** Fast polls and short backoffs, so retries and dead letters happen within a test. */
const WEBHOOK_ENV = {
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_BACKOFF_BASE_MS: '200',
  WEBHOOK_BACKOFF_MAX_MS: '1000',
  WEBHOOK_MAX_ATTEMPTS: '4',
  WEBHOOK_TIMEOUT_MS: '3000',
  SWEEP_INTERVAL_MS: '100',
};

interface Endpoint {
  id: number;
  secret: string;
  url: string;
  eventTypes: string[];
}

/**
 * Webhooks from the transactional outbox (issue 24): a real local receiver,
 * real MySQL and Redis. Every change type arrives signed; a failing receiver
 * gets retries with backoff, then a dead letter an admin replays; order per
 * event holds across two instances and a slow, flaky receiver; a rolled-back
 * change emits nothing. The SIGKILL drill is in webhooks-drill.e2e-spec.ts.
 */
describe('webhooks', () => {
  let app: RunningApp;
  const receiver = new WebhookReceiver();
  let hookUrl: string;
  const cleanups = new Cleanups();
  const api = (path: string, on = app) => `${on.url}/api/v1${path}`;
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
    const res = await fetch(api(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    // Parsed JSON: each test reads the fields its route answers.
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const createEndpoint = async (eventTypes: string[] = ['*']): Promise<Endpoint> => {
    const res = await send('POST', '/admin/webhooks/endpoints', { url: hookUrl, eventTypes });
    expect(res.status).toBe(201);
    return res.body as Endpoint;
  };
  const signedBy = (w: ReceivedWebhook, secret: string) =>
    verifyWebhookSignature(secret, w.body, w.headers['seatguard-signature'] as string | undefined);
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${app.url}/metrics`, { headers: metricsScraper })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    hookUrl = await receiver.start();
    cleanups.later({ close: () => receiver.stop() });
    app = cleanups.later(await startApp(WEBHOOK_ENV));
  });
  beforeEach(async () => {
    // Endpoints of an earlier test would receive this test's changes too (their deliveries go with them).
    await testDb().query('DELETE FROM webhook_endpoints');
    receiver.received.length = 0;
    receiver.behaviour = () => ({ status: 200 });
  });
  afterAll(async () => {
    await cleanups.runAll();
    await closeTestDb();
    await closeTestRedis();
  });

  it('every change type arrives, in the order it was made, signed with the secret shown once, its id in header and body', async () => {
    const endpoint = await createEndpoint(['*']);
    expect(endpoint.secret).toMatch(/^whsec_/);
    // Shown once: no read answers it again.
    expect((await send('GET', `/admin/webhooks/endpoints/${endpoint.id}`)).body).not.toHaveProperty('secret');
    const event = await createEvent(app.url, { capacity: 2, strategy: 'atomic', checkoutHoldTtlMs: 3000 });

    const booking = await book(app.url, event.id, 1, {}, 'ada@example.com');
    expect(booking.status).toBe(201);
    const hold = await send('POST', `/events/${event.id}/holds`, { customerEmail: 'bob@example.com', quantity: 1 }, json);
    expect(hold.status).toBe(201);
    const entry = await send('POST', `/events/${event.id}/waitlist`, { customerEmail: 'cy@example.com', quantity: 1 }, json);
    expect(entry.status).toBe(201);
    // The hold lapses (the sweeper, by MySQL's clock); its seat goes to the waiting list as an offer.
    await waitFor('the hold expired and its seat offered', () => receiver.accepted().some((w) => w.type === 'waitlist.offered'));
    expect((await send('DELETE', `/bookings/${booking.body?.reference}`, undefined, ownerOf(booking))).status).toBe(200);
    expect((await send('PATCH', `/events/${event.id}`, { name: 'Renamed' })).status).toBe(200);
    expect((await send('POST', `/events/${event.id}/cancel`)).status).toBe(200);

    const expected = [
      'booking.confirmed',
      'hold.created',
      'event.sold_out',
      'hold.expired',
      'hold.created', // the waiting list's offer is a hold
      'event.sold_out', // sold out again: the seat came back and went at once
      'waitlist.offered',
      'booking.cancelled',
      'event.changed',
      'event.cancelled',
      'booking.cancelled', // the offer, cancelled with the event
    ];
    await waitFor('every change delivered', () => receiver.accepted().length >= expected.length);
    const got = receiver.accepted();
    expect(got.map((w) => w.type)).toEqual(expected);
    for (const w of got) {
      expect(signedBy(w, endpoint.secret)).toBe(true);
      expect(signedBy(w, 'whsec_another')).toBe(false);
      expect(w.headers['seatguard-webhook-id']).toBe(w.id);
      expect(w.headers['seatguard-event-type']).toBe(w.type);
      expect(w.data.eventId).toBe(event.id);
    }
    expect(new Set(got.map((w) => w.id)).size).toBe(got.length);
    expect(got[0].data).toMatchObject({ reference: booking.body?.reference, customerEmail: 'ada@example.com', quantity: 1 });
    expect(got[6].data).toMatchObject({ waitlistReference: entry.body.reference, customerEmail: 'cy@example.com' });
    expect(got[8].data).toMatchObject({ name: 'Renamed', capacity: 2 });
    expect(JSON.parse(got[0].body).occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('a receiver failing 3 times gets the same id again with a growing backoff, then has it; a rotated secret signs what follows', async () => {
    const endpoint = await createEndpoint(['booking.confirmed']);
    const retriesBefore = await metric('seatguard_webhook_retries_total');
    receiver.behaviour = ({ tryOfThisId }) => ({ status: tryOfThisId <= 3 ? 500 : 200 });
    const event = await createEvent(app.url, { capacity: 10 });
    expect((await book(app.url, event.id, 1)).status).toBe(201);
    await waitFor('delivered on the 4th try', () => receiver.accepted().length === 1);
    const tries = receiver.received;
    expect(tries.map((w) => w.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(tries.map((w) => w.id)).size).toBe(1);
    for (const w of tries) expect(signedBy(w, endpoint.secret)).toBe(true);
    // Lower bounds only (a slow machine only makes the gaps longer): try k+1 waits at least half of 200 ms · 2^(k-1).
    for (let k = 1; k < tries.length; k++) expect(tries[k].at - tries[k - 1].at).toBeGreaterThanOrEqual(100 * 2 ** (k - 1) - 5);
    const [delivery] = (await send('GET', `/admin/webhooks/deliveries?endpointId=${endpoint.id}`)).body.items;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 4, lastStatusCode: 200, webhookId: tries[0].id });
    expect((await metric('seatguard_webhook_retries_total')) - retriesBefore).toBe(3);

    const rotated = await send('POST', `/admin/webhooks/endpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect((await book(app.url, event.id, 1)).status).toBe(201);
    await waitFor('the next one delivered', () => receiver.accepted().length === 2);
    const next = receiver.accepted()[1];
    expect(signedBy(next, rotated.body.secret)).toBe(true);
    expect(signedBy(next, endpoint.secret)).toBe(false);
  });

  it('past WEBHOOK_MAX_ATTEMPTS a delivery is a dead letter (counted), later ones go on; the admin replay delivers it, same id', async () => {
    const endpoint = await createEndpoint(['booking.confirmed']);
    const deadBefore = await metric('seatguard_webhook_dead_letters_total');
    const event = await createEvent(app.url, { capacity: 10 });
    const doomed = await book(app.url, event.id, 1);
    receiver.behaviour = ({ data }) => ({ status: data.reference === doomed.body?.reference ? 503 : 200 });
    const after = await book(app.url, event.id, 1);
    await waitFor('the later booking delivered past the dead letter', () =>
      receiver.accepted().some((w) => w.data.reference === after.body?.reference),
    );
    const dead = (await send('GET', `/admin/webhooks/deliveries?status=dead&endpointId=${endpoint.id}`)).body.items;
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ attempts: 4, lastStatusCode: 503, type: 'booking.confirmed' });
    expect(receiver.received.filter((w) => w.data.reference === doomed.body?.reference)).toHaveLength(4);
    // Order: the later booking waited while the doomed one was still being retried.
    const lastDoomedTry = Math.max(...receiver.received.filter((w) => w.id === dead[0].webhookId).map((w) => w.at));
    expect(receiver.accepted().find((w) => w.data.reference === after.body?.reference)!.at).toBeGreaterThanOrEqual(lastDoomedTry);
    expect((await metric('seatguard_webhook_dead_letters_total')) - deadBefore).toBe(1);

    receiver.behaviour = () => ({ status: 200 });
    const replay = await fetch(api(`/admin/webhooks/deliveries/${dead[0].id}/replay`), {
      method: 'POST',
      headers: { ...admin, 'X-Request-Id': 'replay-1' },
    });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ status: 'pending', attempts: 0 });
    await waitFor('the dead letter delivered after its replay', () => receiver.accepted().some((w) => w.id === dead[0].webhookId));
    expect(receiver.accepted().find((w) => w.id === dead[0].webhookId)!.data.reference).toBe(doomed.body?.reference);
    // Only a dead letter replays; the audit log names the replay and its request id.
    expect((await send('POST', `/admin/webhooks/deliveries/${dead[0].id}/replay`)).body.code).toBe('WEBHOOK_DELIVERY_NOT_REPLAYABLE');
    expect((await send('POST', '/admin/webhooks/deliveries/999999/replay')).status).toBe(404);
    const audit = await rows<{ action: string; request_id: string }>(
      "SELECT action, request_id FROM admin_audit WHERE target_type = 'webhook-delivery' AND target_id = ?",
      [String(dead[0].id)],
    );
    expect(audit).toEqual([{ action: 'webhook.delivery.replay', request_id: 'replay-1' }]);
  });

  it('order per event holds with two instances delivering to a slow receiver that fails some first tries', async () => {
    const second = cleanups.later(await startApp(WEBHOOK_ENV));
    await createEndpoint(['*']);
    receiver.behaviour = ({ tryOfThisId }) => ({
      status: tryOfThisId === 1 && Math.random() < 0.2 ? 500 : 200,
      delayMs: 5 + Math.random() * 30,
    });
    const events = [await createEvent(app.url, { capacity: 30 }), await createEvent(app.url, { capacity: 30 })];
    for (const event of events) {
      const booked = await burst(30, (i) => book([app, second][i % 2].url, event.id, 1));
      expect(booked.every((b) => b.status === 201)).toBe(true);
      await burst(15, async (i) => {
        const res = await fetch(api(`/bookings/${booked[i].body?.reference}`, [app, second][i % 2]), {
          method: 'DELETE',
          headers: ownerOf(booked[i]),
        });
        return { status: res.status, body: await res.json() };
      });
    }
    // Per event: 30 confirmed, the sell-out, 15 cancelled.
    await waitFor('every change of both events delivered', () => receiver.accepted().length === 2 * (30 + 1 + 15), 60_000);
    const outboxOrder = new Map(
      (await rows<{ webhook_id: string; outbox_id: number }>('SELECT webhook_id, outbox_id FROM webhook_deliveries')).map((r) => [
        r.webhook_id,
        Number(r.outbox_id),
      ]),
    );
    for (const event of events) {
      const sequence = receiver
        .accepted()
        .filter((w) => w.data.eventId === event.id)
        .map((w) => outboxOrder.get(w.id)!);
      expect(sequence).toHaveLength(46);
      expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    }
    // Every booking's confirmation came before its cancellation.
    const firstSeen = new Map<string, string>();
    for (const w of receiver.accepted()) if (!firstSeen.has(String(w.data.reference))) firstSeen.set(String(w.data.reference), w.type);
    expect([...firstSeen.entries()].filter(([ref, type]) => ref !== 'undefined' && type !== 'booking.confirmed')).toEqual([]);
  });

  it('a change whose transaction rolls back writes no outbox row (a refused booking in a batch, and a ROLLBACK)', async () => {
    await createEndpoint(['*']);
    const event = await createEvent(app.url, { capacity: 10, maxPerCustomer: 1 });
    const outboxRows = async () =>
      Number((await rows<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_outbox WHERE event_id = ?', [event.id]))[0].n);
    // One customer, five bookings at once: one commits, four are refused inside the batch's transaction.
    const answers = await burst(5, () => book(app.url, event.id, 1, {}, 'same@example.com'));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(await outboxRows()).toBe(1);

    const connection = await testDb().getConnection();
    try {
      await connection.query('START TRANSACTION');
      await connection.query(
        `INSERT INTO bookings (reference, event_id, customer_email, quantity, status, strategy, seats, created_at, updated_at)
         VALUES ('bk_rolled_back', ?, 'rb@example.com', 1, 'confirmed', 'atomic', '[9]', NOW(3), NOW(3))`,
        [event.id],
      );
      const [inside] = await connection.query('SELECT COUNT(*) AS n FROM webhook_outbox WHERE event_id = ?', [event.id]);
      expect(Number((inside as { n: number }[])[0].n)).toBe(2); // the trigger wrote it, in this transaction
      await connection.query('ROLLBACK');
    } finally {
      connection.release();
    }
    expect(await outboxRows()).toBe(1);
    await waitFor('the one committed booking delivered', () => receiver.accepted().length === 1);
  });

  it('bad admin input is a 4xx naming the field, nothing written; a read-only key cannot add an endpoint', async () => {
    const bad: [unknown, string][] = [
      [{ url: 'ftp://shop.example/hooks', eventTypes: ['*'] }, 'url'],
      [{ url: 'not a url', eventTypes: ['*'] }, 'url'],
      [{ eventTypes: ['*'] }, 'url'],
      [{ url: hookUrl, eventTypes: ['booking.teleported'] }, 'eventTypes'],
      [{ url: hookUrl, eventTypes: [] }, 'eventTypes'],
      [{ url: hookUrl, eventTypes: 'booking.confirmed' }, 'eventTypes'],
      [{ url: hookUrl, eventTypes: ['*'], secret: 'mine' }, 'secret'],
    ];
    for (const [body, field] of bad) {
      const res = await send('POST', '/admin/webhooks/endpoints', body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain(field);
    }
    expect((await send('GET', '/admin/webhooks/deliveries?status=lost')).status).toBe(400);
    expect((await send('GET', '/admin/webhooks/deliveries?endpointId=x')).status).toBe(400);
    expect((await send('GET', '/admin/webhooks/deliveries?cursor=forged')).status).toBe(400);
    expect((await send('PATCH', '/admin/webhooks/endpoints/999999', { enabled: false })).status).toBe(404);
    expect((await send('PATCH', '/admin/webhooks/endpoints/abc', { enabled: false })).status).toBe(400);
    expect(Number((await rows<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_endpoints'))[0].n)).toBe(0);

    const key = await send('POST', '/admin/keys', { name: 'dashboard', scopes: ['read'] });
    const readOnly = { authorization: `Bearer ${key.body.key}`, 'content-type': 'application/json' };
    expect((await send('POST', '/admin/webhooks/endpoints', { url: hookUrl, eventTypes: ['*'] }, readOnly)).status).toBe(403);
    expect((await send('GET', '/admin/webhooks/endpoints', undefined, readOnly)).status).toBe(200);
    expect((await send('GET', '/admin/webhooks/endpoints', undefined, json)).status).toBe(401);
  });
});
