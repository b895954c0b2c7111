import { STRATEGY_NAMES } from '../../../src/domain/inventory/strategies/strategy-name';
import { SeatInventory } from '../../../src/domain/inventory/seat-inventory';
import { Deadline } from '../../../src/platform/concurrency/deadline';
import type { Answer } from '../../../tools/invariants/sale-invariants';
import { admin, book, burst, countByStatus, createEvent, json, ownerOf } from '../../support/sale';
import { closeTestDb, rows, testDb, truncateAll } from '../../support/test-db';
import { closeTestRedis, flushTestRedis, testRedis } from '../../support/test-redis';
import { RunningApp, startApp } from '../../support/test-app';
import { waitFor } from '../../support/purchase-loop';

/*
 * Issue 23, "What to build" 2-4: a cancelled event sells nothing more, on any
 * path; the waiting list is a fair queue nobody can capture; holds cannot
 * block a sale. Each test below failed on the code before the fix; the
 * numbers before and after are in the branch's report (and written to stdout).
 */

/** An answer with the instants it was sent and answered, to prove a race really happened. */
interface Timed extends Answer {
  retryAfter: string | null;
  sentAt: number;
  answeredAt: number;
}

async function timed(send: () => Promise<Response>): Promise<Timed> {
  const sentAt = performance.now();
  const res = await send();
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : undefined,
    retryAfter: res.headers.get('retry-after'),
    sentAt,
    answeredAt: performance.now(),
  };
}

const post = (url: string, body: unknown, headers: Record<string, string> = json) =>
  fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });

/** Answers counted by status and code: `{"201": 80, "409 EVENT_CANCELLED": 40}`. */
function countByAnswer(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status === 201 ? '201' : `${a.status} ${a.body?.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const report = (line: string) => process.stdout.write(`[races and abuse] ${line}\n`);

/** 40 buyers book in a loop (each until told EVENT_CANCELLED) while the admin cancels the event. */
async function cancelWhileBuying(app: RunningApp, strategy: string, label: string): Promise<void> {
  const api = (path: string) => `${app.url}/api/v1${path}`;
  const event = await createEvent(app.url, { capacity: 100_000, strategy });
  const answers: Timed[] = [];
  // Each buyer books until told EVENT_CANCELLED (at most 500 times: a sale that never stops fails below).
  const buyer = async (i: number) => {
    for (let n = 0; n < 500; n++) {
      const a = await timed(() => post(api(`/events/${event.id}/bookings`), { customerEmail: `b${i}-${n}@example.com`, quantity: 1 }));
      answers.push(a);
      if (a.body?.code === 'EVENT_CANCELLED') return;
    }
  };
  const buyers = Array.from({ length: 40 }, (_, i) => buyer(i));
  // Cancel once the sale is well under way.
  await waitFor('80 bookings before the cancel', () => answers.filter((a) => a.status === 201).length >= 80);
  const cancel = await timed(() => post(api(`/events/${event.id}/cancel`), {}, admin));
  await Promise.all(buyers);
  expect(cancel.status).toBe(200);

  // The race happened: bookings were in flight while the cancel was.
  const overlapping = answers.filter((a) => a.sentAt < cancel.answeredAt && a.answeredAt > cancel.sentAt);
  expect(overlapping.length).toBeGreaterThan(0);

  const [{ cancelled_at }] = await rows<{ cancelled_at: Date }>('SELECT cancelled_at FROM events WHERE id = ?', [event.id]);
  const after = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM bookings WHERE event_id = ? AND created_at > ?', [
    event.id,
    cancelled_at,
  ]);
  const live = await rows<{ n: number }>("SELECT COUNT(*) AS n FROM bookings WHERE event_id = ? AND status IN ('held', 'confirmed')", [
    event.id,
  ]);
  const tickets = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM tickets WHERE event_id = ?', [event.id]);
  report(
    `${label}: ${overlapping.length} bookings in flight during the cancel; stored after cancelledAt ${after[0].n}, ` +
      `live ${live[0].n}, tickets ${tickets[0].n}; answers ${JSON.stringify(countByAnswer(answers))}`,
  );
  expect(Number(after[0].n)).toBe(0);
  expect(Number(live[0].n)).toBe(0);
  expect(Number(tickets[0].n)).toBe(0);
  // Every buyer was told, and stopped.
  expect(answers.filter((a) => a.body?.code === 'EVENT_CANCELLED')).toHaveLength(40);
  expect(await (await fetch(api(`/events/${event.id}`))).json()).toMatchObject({ sold: 0, held: 0, available: 0 });
  // No 500 anywhere: an in-flight booking refused by MySQL is EVENT_CANCELLED. On a loaded machine, bookings queued
  // behind the cancel's row lock may also be told 503 with Retry-After (nothing booked: the counts above say so).
  const unexpected = answers.filter(
    (a) => a.status !== 201 && a.body?.code !== 'EVENT_CANCELLED' && !(a.status === 503 && Number(a.retryAfter) >= 1),
  );
  expect(unexpected.map((a) => `${a.status} ${a.body?.code}`)).toEqual([]);
}

describe('races and abuse: cancelling an event is final everywhere in one step', () => {
  let app: RunningApp;
  const api = (path: string) => `${app.url}/api/v1${path}`;

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

  it.each(STRATEGY_NAMES)(
    '%s: 40 buyers booking in a loop while the admin cancels: no booking stored after cancelledAt, none left live',
    (strategy) => cancelWhileBuying(app, strategy, strategy),
  );

  describe('with group commit (BOOKING_BATCH_MAX=16)', () => {
    let batching: RunningApp;
    beforeAll(async () => {
      batching = await startApp({ BOOKING_BATCH_MAX: '16' });
    });
    afterAll(async () => {
      await batching.close();
    });
    it.each(STRATEGY_NAMES)('%s: the same, every booking in a batch', (strategy) =>
      cancelWhileBuying(batching, strategy, `${strategy}, batched`),
    );
  });

  it('MySQL itself refuses bookings, holds, confirmations, offers and joins for a cancelled event', async () => {
    const event = await createEvent(app.url, { capacity: 10 });
    const held = await post(api(`/events/${event.id}/holds`), { customerEmail: 'h@example.com', quantity: 1 });
    const hold = (await held.json()) as { reference: string };
    expect((await post(api(`/events/${event.id}/cancel`), {}, admin)).status).toBe(200);
    const db = testDb();
    const call = (status: string, seat: number) =>
      db.query('CALL insert_booking(?, ?, ?, ?, 1, ?, NULL, ?, ?, NULL, NULL, NOW(3))', [
        `bk_direct_${status}_${seat}`,
        'x'.repeat(64),
        event.id,
        'direct@example.com',
        status,
        'atomic',
        JSON.stringify([seat]),
      ]);
    const refusals = await Promise.allSettled([
      // a booking and a hold through the one-call procedure
      call('confirmed', 5),
      call('held', 6),
      // a booking written statement by statement (the per-customer path), and a waiting-list offer's hold
      db.query(
        `INSERT INTO bookings (reference, secret_hash, event_id, customer_email, quantity, status, expires_at, strategy, seats, created_at, updated_at)
         VALUES ('bk_direct_offer', ?, ?, 'offer@example.com', 1, 'held', NOW(3) + INTERVAL 1 MINUTE, 'waitlist', '[7]', NOW(3), NOW(3))`,
        ['y'.repeat(64), event.id],
      ),
      // a confirmation of the hold the cancel ended
      db.query("UPDATE bookings SET status = 'confirmed', expires_at = NULL WHERE reference = ?", [hold.reference]),
      // a waiting-list join
      db.query(
        "INSERT INTO waitlist_entries (reference, secret_hash, event_id, customer_email, quantity, status) VALUES ('wl_direct', ?, ?, 'w@example.com', 1, 'waiting')",
        ['z'.repeat(64), event.id],
      ),
    ]);
    const outcome = refusals.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : 'accepted'));
    report(`direct writes for a cancelled event: ${JSON.stringify(outcome)}`);
    expect(outcome).toEqual(Array(5).fill('event cancelled'));
    const [{ n }] = await rows<{ n: number }>("SELECT COUNT(*) AS n FROM bookings WHERE event_id = ? AND status IN ('held', 'confirmed')", [
      event.id,
    ]);
    expect(Number(n)).toBe(0);
  });

  it('the Redis pool is closed in the same step: a reservation on any instance, whatever its cached copy says, is EVENT_CANCELLED', async () => {
    const event = await createEvent(app.url, { capacity: 10 });
    expect((await book(app.url, event.id, 1)).status).toBe(201);
    expect((await post(api(`/events/${event.id}/cancel`), {}, admin)).status).toBe(200);
    // What an instance that has not heard of the cancellation yet does: reserve with the event it has cached.
    const inventory = app.app.get(SeatInventory);
    const reservations = await Promise.allSettled(
      STRATEGY_NAMES.map((strategy) =>
        inventory.reserve({ eventId: event.id, strategy, quantity: 1, deadline: Deadline.in(5000) }, async (seats) => seats),
      ),
    );
    const outcome = reservations.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : JSON.stringify(r.value)));
    report(`reservations after the cancel: ${JSON.stringify(outcome)}`);
    expect(outcome).toEqual(Array(3).fill('EVENT_CANCELLED'));
    // Nothing goes back into a closed pool, whoever returns seats.
    await inventory.returnCancelled(event.id, [1, 2, 3]);
    expect(await inventory.freeSeats(event.id)).toBe(0);
    // A rebuild (reconcile, a lost pool) keeps it closed.
    await testRedis().del(`{event:${event.id}}:meta`);
    await inventory.rebuild(event.id, 'test');
    expect(await inventory.freeSeats(event.id)).toBe(0);
  });
});

interface Entry {
  reference: string;
  secret: string;
  status: string;
  position: number | null;
  offer: { reference: string; seats: number[]; status: string } | null;
}

describe('races and abuse: the waiting list is a fair queue', () => {
  let app: RunningApp;
  const api = (path: string) => `${app.url}/api/v1${path}`;
  const WAITLIST_CAP = 130;

  const join = (eventId: number, customerEmail: string, quantity = 1) =>
    timed(() => post(api(`/events/${eventId}/waitlist`), { customerEmail, quantity }));
  const entryOf = async (e: { reference: string; secret: string }): Promise<Entry> =>
    (await (await fetch(api(`/waitlist/${e.reference}`), { headers: { authorization: `Bearer ${e.secret}` } })).json()) as Entry;
  const cancelBooking = (b: Answer) => fetch(api(`/bookings/${b.body?.reference}`), { method: 'DELETE', headers: ownerOf(b) });
  /** An event whose `capacity` seats are all sold, one per booking. */
  const soldOut = async (capacity: number, extra: Record<string, unknown> = {}) => {
    const event = await createEvent(app.url, { capacity, ...extra });
    const bookings = await burst(capacity, (i) => book(app.url, event.id, 1, {}, `owner${i}-${event.id}@example.com`));
    expect(countByStatus(bookings)).toEqual({ 201: capacity });
    return { event, bookings };
  };

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    app = await startApp({ WAITLIST_OFFER_TTL_MS: '600000', WAITLIST_MAX_ENTRIES_PER_EVENT: String(WAITLIST_CAP) });
  });
  afterAll(async () => {
    await app.close();
    await closeTestDb();
    await closeTestRedis();
  });

  it('confirming an offer and leaving the waiting list at the same moment never cancels a confirmed booking (30 tries)', async () => {
    const tries = 30;
    const { event, bookings } = await soldOut(tries);
    const entries: Timed[] = [];
    for (let i = 0; i < tries; i++) entries.push(await join(event.id, `racer${i}@example.com`));
    expect(entries.every((e) => e.status === 201)).toBe(true);
    // Every seat comes back and is offered to the entries, in order.
    for (const b of bookings) expect((await cancelBooking(b)).status).toBe(200);
    let overlapped = 0;
    let paidAndCancelled = 0;
    const outcomes: Record<string, number> = {};
    for (const e of entries) {
      const entry = await entryOf(e.body as Entry);
      expect(entry.status).toBe('offered');
      const secret = { authorization: `Bearer ${(e.body as Entry).secret}` };
      const [confirm, leave] = await Promise.all([
        timed(() => fetch(api(`/holds/${entry.offer!.reference}/confirm`), { method: 'POST', headers: secret })),
        timed(() => fetch(api(`/waitlist/${entry.reference}`), { method: 'DELETE', headers: secret })),
      ]);
      if (confirm.sentAt < leave.answeredAt && leave.sentAt < confirm.answeredAt) overlapped += 1;
      const [offer] = await rows<{ status: string }>('SELECT status FROM bookings WHERE reference = ?', [entry.offer!.reference]);
      const after = await entryOf(e.body as Entry);
      const key = `confirm ${confirm.status}, leave ${leave.status} -> booking ${offer.status}, entry ${after.status}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      if (confirm.status === 200 && offer.status !== 'confirmed') paidAndCancelled += 1;
      expect([confirm.status, leave.status].every((s) => s < 500)).toBe(true);
    }
    report(
      `confirm + leave: ${overlapped}/${tries} in flight together; confirmed then cancelled ${paidAndCancelled}; ${JSON.stringify(outcomes)}`,
    );
    expect(overlapped).toBe(tries);
    expect(paidAndCancelled).toBe(0);
    // Each try ends one way or the other, never half: bought and kept, or left and released.
    for (const key of Object.keys(outcomes)) {
      expect([
        'confirm 200, leave 200 -> booking confirmed, entry fulfilled',
        'confirm 409, leave 200 -> booking released, entry left',
      ]).toContain(key);
    }
  });

  it('returned seats reach the first entry they fit, however long the list: 101 entries wanting 10, then one wanting 1', async () => {
    const { event, bookings } = await soldOut(2);
    for (let i = 0; i < 101; i++) expect((await join(event.id, `ten${i}@example.com`, 10)).status).toBe(201);
    const one = await join(event.id, 'one@example.com', 1);
    expect(one.status).toBe(201);
    expect((await cancelBooking(bookings[0])).status).toBe(200);
    const entry = await entryOf(one.body as Entry);
    report(`1-seat entry behind 101 entries wanting 10, after a 1-seat cancellation: ${entry.status}`);
    expect(entry).toMatchObject({ status: 'offered', offer: { seats: bookings[0].body!.seats, status: 'held' } });
    expect(await (await fetch(api(`/events/${event.id}`))).json()).toMatchObject({ available: 0 });
  });

  it('at most one live entry per customer and event, even when the joins race', async () => {
    const { event } = await soldOut(1);
    const answers = await Promise.all(Array.from({ length: 20 }, () => join(event.id, 'twice@example.com')));
    report(`20 concurrent joins of one customer: ${JSON.stringify(countByStatus(answers))}`);
    expect(countByStatus(answers)).toEqual({ 201: 1, 409: 19 });
    expect(answers.filter((a) => a.status === 409).every((a) => a.body?.code === 'WAITLIST_ALREADY_JOINED')).toBe(true);
    // Case does not make another customer.
    expect((await join(event.id, 'TWICE@example.com')).body?.code).toBe('WAITLIST_ALREADY_JOINED');
    // After leaving, the customer may queue again (at the back).
    const first = answers.find((a) => a.status === 201)!.body as Entry;
    expect(
      (await fetch(api(`/waitlist/${first.reference}`), { method: 'DELETE', headers: { authorization: `Bearer ${first.secret}` } })).status,
    ).toBe(200);
    expect((await join(event.id, 'twice@example.com')).status).toBe(201);
  });

  it(`a per-event cap: ${WAITLIST_CAP} live entries, then 409 WAITLIST_FULL, even when the joins race`, async () => {
    const { event } = await soldOut(1);
    const answers = await Promise.all(Array.from({ length: WAITLIST_CAP + 20 }, (_, i) => join(event.id, `cap${i}@example.com`)));
    report(`${WAITLIST_CAP + 20} concurrent joins with a cap of ${WAITLIST_CAP}: ${JSON.stringify(countByStatus(answers))}`);
    expect(countByStatus(answers)).toEqual({ 201: WAITLIST_CAP, 409: 20 });
    expect(answers.filter((a) => a.status === 409).every((a) => a.body?.code === 'WAITLIST_FULL')).toBe(true);
    const [{ n }] = await rows<{ n: number }>("SELECT COUNT(*) AS n FROM waitlist_entries WHERE event_id = ? AND status = 'waiting'", [
      event.id,
    ]);
    expect(Number(n)).toBe(WAITLIST_CAP);
  });

  it('maxPerCustomer counts bookings, holds and offers together: no join and no offer past it', async () => {
    const event = await createEvent(app.url, { capacity: 3, maxPerCustomer: 2 });
    const greedy = 'greedy@example.com';
    expect((await book(app.url, event.id, 1, {}, greedy)).status).toBe(201);
    const held = await post(api(`/events/${event.id}/holds`), { customerEmail: greedy, quantity: 1 });
    expect(held.status).toBe(201);
    // Seats in a hold count: a third seat is refused.
    expect((await book(app.url, event.id, 1, {}, greedy)).body?.code).toBe('CUSTOMER_LIMIT_REACHED');
    const other = await book(app.url, event.id, 1, {}, 'other@example.com');
    expect(other.status).toBe(201);
    // Sold out, and the customer at the limit: joining for more is refused at once.
    const atLimit = await join(event.id, greedy, 1);
    // Below the limit a join is taken...
    const hold = (await held.json()) as { reference: string; secret: string };
    expect(
      (await fetch(api(`/holds/${hold.reference}`), { method: 'DELETE', headers: { authorization: `Bearer ${hold.secret}` } })).status,
    ).toBe(200);
    expect((await book(app.url, event.id, 1, {}, 'third@example.com')).status).toBe(201);
    const greedyEntry = await join(event.id, greedy, 1);
    const patientEntry = await join(event.id, 'patient@example.com', 1);
    expect([greedyEntry.status, patientEntry.status]).toEqual([201, 201]);
    // ...but when the limit is lowered meanwhile, the offer skips the entry it would take past it.
    expect(
      (await fetch(api(`/events/${event.id}`), { method: 'PATCH', headers: admin, body: JSON.stringify({ maxPerCustomer: 1 }) })).status,
    ).toBe(200);
    expect((await cancelBooking(other)).status).toBe(200);
    const [greedyNow, patientNow] = [await entryOf(greedyEntry.body as Entry), await entryOf(patientEntry.body as Entry)];
    const [{ live }] = await rows<{ live: number }>(
      "SELECT COALESCE(SUM(quantity), 0) AS live FROM bookings WHERE event_id = ? AND customer_email = ? AND status IN ('held', 'confirmed')",
      [event.id, greedy],
    );
    report(
      `maxPerCustomer: join at the limit ${atLimit.status} ${atLimit.body?.code ?? ''}; offer with the customer at the limit: ` +
        `greedy ${greedyNow.status} (live seats ${live}, limit 1), patient ${patientNow.status}`,
    );
    expect(atLimit.body?.code).toBe('CUSTOMER_LIMIT_REACHED');
    expect(greedyNow.status).toBe('waiting');
    expect(Number(live)).toBe(1);
    expect(patientNow.status).toBe('offered');
  });
});

describe('races and abuse: one rate budget per address across bookings, holds and joins', () => {
  const LIMIT = 20;
  let app: RunningApp;
  const api = (path: string) => `${app.url}/api/v1${path}`;
  /** Every test starts with a fresh budget for this client (the only one: 127.0.0.1). */
  const freshBudget = async () => {
    const redis = testRedis();
    const keys = await redis.keys('*per-address*');
    if (keys.length) await redis.del(...keys);
  };

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    app = await startApp({ BOOKING_RATE_LIMIT: String(LIMIT), BOOKING_RATE_WINDOW_MS: '60000' });
  });
  afterAll(async () => {
    await app.close();
    await closeTestDb();
    await closeTestRedis();
  });

  it('300 joins from one address in a burst: the budget, then 429 with Retry-After', async () => {
    const event = await createEvent(app.url, { capacity: 1 });
    await freshBudget();
    // The event must be sold out to be joined; this booking spends one unit of the budget.
    expect((await book(app.url, event.id, 1)).status).toBe(201);
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => join(i)));
    async function join(i: number): Promise<Timed> {
      return timed(() => post(api(`/events/${event.id}/waitlist`), { customerEmail: `flood${i}@example.com`, quantity: 1 }));
    }
    report(`300 joins from one address: ${JSON.stringify(countByStatus(answers))}`);
    expect(countByStatus(answers)).toEqual({ 201: LIMIT - 1, 429: 300 - (LIMIT - 1) });
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.body?.code).toBe('RATE_LIMITED');
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('bookings, holds and joins share one budget: 15 + 15 + 15 requests, LIMIT answered, the rest 429', async () => {
    const event = await createEvent(app.url, { capacity: 1000 });
    const full = await createEvent(app.url, { capacity: 1 });
    await freshBudget();
    expect((await book(app.url, full.id, 1)).status).toBe(201);
    await freshBudget();
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await book(app.url, event.id, 1)).status);
    for (let i = 0; i < 15; i++)
      statuses.push((await post(api(`/events/${event.id}/holds`), { customerEmail: `h${i}@example.com`, quantity: 1 })).status);
    for (let i = 0; i < 15; i++)
      statuses.push((await post(api(`/events/${full.id}/waitlist`), { customerEmail: `w${i}@example.com`, quantity: 1 })).status);
    const answered = statuses.filter((s) => s !== 429).length;
    report(`15 bookings + 15 holds + 15 joins from one address, budget ${LIMIT}: ${answered} answered, ${45 - answered} refused 429`);
    expect(answered).toBe(LIMIT);
    expect(statuses.slice(0, LIMIT).every((s) => s === 201)).toBe(true);
  });
});
