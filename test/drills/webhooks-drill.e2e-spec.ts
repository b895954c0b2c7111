import type { Answer } from '../../tools/invariants/sale-invariants';
import { verifyWebhookSignature } from '../../src/domain/webhooks/webhook-signature';
import { ChildApp, startChildApp } from '../support/child-app';
import { Cleanups } from '../support/cleanups';
import { waitFor } from '../support/purchase-loop';
import { admin, book, burst, createEvent, ownerOf } from '../support/sale';
import { closeTestDb, rows, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';
import { WebhookReceiver } from '../support/webhook-receiver';

const WEBHOOK_ENV = {
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_BACKOFF_BASE_MS: '200',
  WEBHOOK_BACKOFF_MAX_MS: '1000',
  // The lease is 2 · timeout + 5 s: how long a killed instance's streams wait before another takes them.
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_CONCURRENCY: '4',
};

/**
 * The drill of issue 24: the app (the production build, a child process) is
 * SIGKILLed while it delivers to a slow receiver; a new process takes over
 * the dead one's streams once their leases lapse, and every change is
 * delivered at least once, still in order per event, none lost.
 */
describe('webhooks drill', () => {
  const cleanups = new Cleanups();
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
  });
  afterAll(async () => {
    await cleanups.runAll();
    await receiver.stop();
    await closeTestDb();
    await closeTestRedis();
  });

  it('SIGKILL mid-delivery, restart: every change delivered at least once, in order per event, nothing lost', async () => {
    const hookUrl = await receiver.start();
    // Slow: a delivery is nearly always in flight when the kill comes.
    receiver.behaviour = () => ({ status: 200, delayMs: 40 });
    const first: ChildApp = await startChildApp(WEBHOOK_ENV);
    const endpoint = await fetch(`${first.url}/api/v1/admin/webhooks/endpoints`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ url: hookUrl, eventTypes: ['*'] }),
    });
    expect(endpoint.status).toBe(201);
    const { secret } = (await endpoint.json()) as { secret: string };

    const events = [await createEvent(first.url, { capacity: 100 }), await createEvent(first.url, { capacity: 100 })];
    const booked: Answer[] = [];
    for (const event of events) booked.push(...(await burst(60, () => book(first.url, event.id, 1))));
    expect(booked.every((b) => b.status === 201)).toBe(true);
    const cancelled = await burst(20, async (i) => {
      const res = await fetch(`${first.url}/api/v1/bookings/${booked[i * 3].body?.reference}`, {
        method: 'DELETE',
        headers: ownerOf(booked[i * 3]),
      });
      return { status: res.status, body: await res.json() };
    });
    expect(cancelled.every((c) => c.status === 200)).toBe(true);
    const total = 120 + 20;

    await waitFor('deliveries under way', () => receiver.received.length >= 20);
    // Now the receiver holds each request: the kill lands while deliveries are in flight. Their sender is gone
    // before any answer, so the receiver counts them as not processed: they must come again.
    const startedBefore = receiver.started;
    receiver.behaviour = () => ({ status: 200, delayMs: 120_000 });
    await waitFor('a delivery held in flight', () => receiver.started > startedBefore);
    await first.stop('SIGKILL');
    expect(receiver.abortInFlight()).toBeGreaterThan(0);
    expect(receiver.accepted().length).toBeLessThan(total); // killed mid-delivery, not after
    receiver.behaviour = () => ({ status: 200, delayMs: 5 });

    const second = cleanups.later(await startChildApp(WEBHOOK_ENV));
    await waitFor('every change delivered after the restart', () => receiver.accepted().length >= total, 90_000);
    expect(second.url).toBeTruthy();

    const stored = await rows<{ webhook_id: string; outbox_id: number; event_id: number; status: string }>(
      'SELECT webhook_id, outbox_id, event_id, status FROM webhook_deliveries',
    );
    expect(stored).toHaveLength(total);
    expect(stored.filter((d) => d.status !== 'delivered')).toEqual([]);
    const accepted = receiver.accepted();
    expect(new Set(accepted.map((w) => w.id))).toEqual(new Set(stored.map((d) => d.webhook_id)));
    for (const w of receiver.received)
      expect(verifyWebhookSignature(secret, w.body, w.headers['seatguard-signature'] as string)).toBe(true);
    // The bookings the shop heard of are exactly those MySQL has.
    const confirmed = new Set(accepted.filter((w) => w.type === 'booking.confirmed').map((w) => w.data.reference));
    expect(confirmed).toEqual(new Set(booked.map((b) => b.body?.reference)));
    const outboxOf = new Map(stored.map((d) => [d.webhook_id, Number(d.outbox_id)]));
    for (const event of events) {
      const sequence = accepted.filter((w) => w.data.eventId === event.id).map((w) => outboxOf.get(w.id)!);
      expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    }
  });
});
