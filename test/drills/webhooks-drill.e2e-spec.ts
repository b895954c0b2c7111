import type { Answer } from '../../tools/invariants/sale-invariants';
import { verifyWebhookSignature } from '../../src/domain/webhooks/webhook-signature';
import { ChildApp, startChildApp } from '../support/child-app';
import { Cleanups } from '../support/cleanups';
import { waitFor } from '../support/purchase-loop';
import { admin, book, burst, countByStatus, createEvent, json, ownerOf } from '../support/sale';
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
  // Checkout holds of 1 s lapse and are swept within 0.2 s: the drill's hold.expired webhooks.
  SWEEP_INTERVAL_MS: '200',
};

/** The size: 2,000 seat-taking changes (1,900 bookings, 100 holds that lapse) and 200 cancellations. */
const EVENTS = 20;
const BOOKINGS_PER_EVENT = 95;
const HOLDS_PER_EVENT = 5;
const CANCELS_PER_EVENT = 10;

/**
 * The drill of issue 24: the app (the production build, a child process) is
 * SIGKILLed while it delivers to a slow receiver; a new process takes over
 * the dead one's streams once their leases lapse, and every change is
 * delivered at least once, still in order per event, none lost.
 */
/** A checkout hold of one seat (POST /events/:id/holds). */
async function hold(baseUrl: string, eventId: number): Promise<Answer> {
  const res = await fetch(`${baseUrl}/api/v1/events/${eventId}/holds`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ customerEmail: `holder${Math.floor(Math.random() * 1e9)}@example.com`, quantity: 1 }),
  });
  return { status: res.status, body: await res.json() };
}

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

  it('2,000 bookings and holds, 200 cancellations, 100 expiries; SIGKILL mid-delivery, restart: every change delivered at least once, in order per event, nothing lost', async () => {
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

    // Capacity above what is taken: no event.sold_out, so every webhook is one of the changes counted here.
    const events = await Promise.all(
      Array.from({ length: EVENTS }, () => createEvent(first.url, { capacity: 110, checkoutHoldTtlMs: 1000 })),
    );
    const booked: Answer[] = [];
    const held: Answer[] = [];
    const cancelled: Answer[] = [];
    for (const event of events) {
      const answers = await burst(BOOKINGS_PER_EVENT, () => book(first.url, event.id, 1));
      booked.push(...answers);
      held.push(...(await burst(HOLDS_PER_EVENT, () => hold(first.url, event.id))));
      cancelled.push(
        ...(await burst(CANCELS_PER_EVENT, async (i) => {
          const res = await fetch(`${first.url}/api/v1/bookings/${answers[i * 3].body?.reference}`, {
            method: 'DELETE',
            headers: ownerOf(answers[i * 3]),
          });
          return { status: res.status, body: await res.json() };
        })),
      );
    }
    expect(countByStatus(booked)).toEqual({ 201: EVENTS * BOOKINGS_PER_EVENT });
    expect(countByStatus(held)).toEqual({ 201: EVENTS * HOLDS_PER_EVENT });
    expect(countByStatus(cancelled)).toEqual({ 200: EVENTS * CANCELS_PER_EVENT });
    // Each booking confirmed, each cancellation, each hold created and (1 s later) expired.
    const total = booked.length + cancelled.length + 2 * held.length;

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
    await waitFor('every change delivered after the restart', () => receiver.accepted().length >= total, 240_000);
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
    const expired = new Set(accepted.filter((w) => w.type === 'hold.expired').map((w) => w.data.reference));
    expect(expired).toEqual(new Set(held.map((h) => h.body?.reference)));
    const cancelledRefs = new Set(accepted.filter((w) => w.type === 'booking.cancelled').map((w) => w.data.reference));
    expect(cancelledRefs.size).toBe(EVENTS * CANCELS_PER_EVENT);
    const outboxOf = new Map(stored.map((d) => [d.webhook_id, Number(d.outbox_id)]));
    for (const event of events) {
      const sequence = accepted.filter((w) => w.data.eventId === event.id).map((w) => outboxOf.get(w.id)!);
      expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    }
  }, 300_000);
});
