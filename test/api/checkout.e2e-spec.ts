import { setTimeout as sleep } from 'node:timers/promises';
import type { Answer } from '../../tools/invariants/sale-invariants';
import { STRATEGY_NAMES } from '../../src/domain/inventory/strategies/strategy-name';
import { admin, book, bookRetrying503, burst, countByStatus, createEvent, json, ownerOf, violationsFor } from '../support/sale';
import { closeTestDb, rows, snapshot, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis, testRedis } from '../support/test-redis';
import { KNOWN_INVENTORIES_KEY, seatKeys } from '../../src/domain/inventory/seat-keys';
import { RunningApp, startApp } from '../support/test-app';
import { waitFor } from '../support/purchase-loop';
import { metricsScraper } from '../support/metrics-scraper';

/** Long: no hold of proof 10 lapses by itself while the test works through it, however slow the machine. */
const HOLD_MS = 600_000;

interface Hold {
  status: number;
  body: { reference: string; secret: string; seats: number[]; status: string; expiresAt: string | null; code?: string };
}

/**
 * Checkout: holds (confirm, release, expiry, from MySQL's clock), sale
 * windows, changing and cancelling an event on sale, the waiting list. Every
 * proof ends with docs/design.md §1 checked from MySQL and Redis.
 */
describe('checkout', () => {
  let app: RunningApp;
  const api = (path: string) => `${app.url}/api/v1${path}`;

  const hold = async (eventId: number, email = `h${Math.floor(Math.random() * 1e9)}@example.com`, quantity = 1): Promise<Hold> => {
    const res = await fetch(api(`/events/${eventId}/holds`), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ customerEmail: email, quantity }),
    });
    return { status: res.status, body: (await res.json()) as Hold['body'] };
  };
  const confirm = (h: Hold, headers = ownerOf(h)) => fetch(api(`/holds/${h.body.reference}/confirm`), { method: 'POST', headers });
  const release = (h: Hold) => fetch(api(`/holds/${h.body.reference}`), { method: 'DELETE', headers: ownerOf(h) });
  const eventState = async (id: number) => (await (await fetch(api(`/events/${id}`))).json()) as Record<string, unknown>;
  const patch = (id: number, body: unknown) => fetch(api(`/events/${id}`), { method: 'PATCH', headers: admin, body: JSON.stringify(body) });
  const live = (answers: Answer[], gone: Set<string | undefined>) =>
    answers.filter((a) => a.status === 201 && !gone.has(a.body?.reference));

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    app = await startApp({ SWEEP_INTERVAL_MS: '100', CHECKOUT_HOLD_TTL_MS: '600000', WAITLIST_OFFER_TTL_MS: '60000' });
  });
  afterAll(async () => {
    await app.close();
    await closeTestDb();
    await closeTestRedis();
  });

  it('a hold: unavailable everywhere, confirmed by its owner (twice is harmless), not by anyone else', async () => {
    const event = await createEvent(app.url, { capacity: 5, strategy: 'pessimistic' });
    const h = await hold(event.id, 'ada@example.com', 2);
    expect(h.status).toBe(201);
    expect(h.body).toMatchObject({ status: 'held', seats: [1, 2] });
    const expiresIn = Date.parse(h.body.expiresAt!) - Date.now();
    expect(expiresIn).toBeGreaterThan(590_000);
    expect(await eventState(event.id)).toMatchObject({ sold: 0, held: 2, available: 3 });
    expect((await confirm(h, { authorization: 'Bearer someone-else' })).status).toBe(404);
    const confirmed = await confirm(h);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ reference: h.body.reference, status: 'confirmed', seats: [1, 2], expiresAt: null });
    const again = await confirm(h);
    expect(again.status).toBe(200);
    expect((await again.json()).status).toBe('confirmed');
    expect(await eventState(event.id)).toMatchObject({ sold: 2, held: 0, available: 3 });
    expect(await violationsFor(event.id, 5, [h as Answer], false)).toEqual([]);
    // Releasing what is already confirmed cancels it (a booking is never "released").
    const cancelled = await release(h);
    expect((await cancelled.json()).status).toBe('cancelled');
  });

  it('a released hold puts its seats back on sale at once; confirming it then is 409 HOLD_NOT_ACTIVE', async () => {
    const event = await createEvent(app.url, { capacity: 2, strategy: 'optimistic' });
    const h = await hold(event.id, 'bob@example.com', 2);
    expect((await book(app.url, event.id, 1)).body?.code).toBe('SOLD_OUT');
    const released = await release(h);
    expect(released.status).toBe(200);
    expect((await released.json()).status).toBe('released');
    expect((await confirm(h)).status).toBe(409);
    const after = await book(app.url, event.id, 2);
    expect(after.status).toBe(201);
    expect(after.body?.seats).toEqual([1, 2]);
  });

  it('an expired hold: 410 HOLD_EXPIRED, its seats back on sale within expiresAt + SWEEP_INTERVAL_MS', async () => {
    const event = await createEvent(app.url, { capacity: 1, strategy: 'atomic', checkoutHoldTtlMs: 1000 });
    const h = await hold(event.id);
    expect(h.status).toBe(201);
    expect((await book(app.url, event.id, 1)).status).toBe(409);
    // Polled, not slept for: the sweeper (every 100 ms) ends the hold once MySQL's clock passes expiresAt.
    await waitFor('the lapsed hold swept', async () => {
      const [row] = await rows<{ status: string }>('SELECT status FROM bookings WHERE reference = ?', [h.body.reference]);
      return row.status === 'expired';
    });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(h.body.expiresAt!));
    const late = await confirm(h);
    expect(late.status).toBe(410);
    expect((await late.json()).code).toBe('HOLD_EXPIRED');
    const [row] = await rows<{ status: string }>('SELECT status FROM bookings WHERE reference = ?', [h.body.reference]);
    expect(row.status).toBe('expired');
    expect((await book(app.url, event.id, 1)).status).toBe(201);
  });

  describe.each(STRATEGY_NAMES)('%s', (strategy) => {
    it('proof 10: 300 buyers hold 100 seats; a third confirm, a third release, a third expire; the waiting list gets returned seats in order', async () => {
      const capacity = 100;
      const event = await createEvent(app.url, { capacity, strategy, checkoutHoldTtlMs: HOLD_MS });
      const holds = await Promise.all(Array.from({ length: 300 }, () => hold(event.id)));
      expect(countByStatus(holds as Answer[])).toEqual({ 201: 100, 409: 200 });
      const held = holds.filter((h) => h.status === 201);
      expect(await eventState(event.id)).toMatchObject({ held: 100, available: 0 });

      // Sold out: ten customers queue.
      const waiting: { reference: string; secret: string }[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await fetch(api(`/events/${event.id}/waitlist`), {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ customerEmail: `w${i}@example.com`, quantity: 1 }),
        });
        expect(res.status).toBe(201);
        const entry = await res.json();
        expect(entry).toMatchObject({ position: i + 1, status: 'waiting', offer: null });
        waiting.push(entry);
      }

      const [toConfirm, toRelease, toExpire] = [held.slice(0, 33), held.slice(33, 66), held.slice(66)];
      for (const h of toConfirm) expect((await confirm(h)).status).toBe(200);
      const releasedSeats: number[] = [];
      for (const h of toRelease) {
        expect((await release(h)).status).toBe(200);
        releasedSeats.push(...h.body.seats);
      }
      // The first ten seats released went to the ten entries, in the order they joined.
      const offers: Hold[] = [];
      for (const [i, entry] of waiting.entries()) {
        const state = await (
          await fetch(api(`/waitlist/${entry.reference}`), { headers: { authorization: `Bearer ${entry.secret}` } })
        ).json();
        expect({ i, status: state.status, seats: state.offer?.seats }).toEqual({ i, status: 'offered', seats: [releasedSeats[i]] });
        offers.push({ status: 201, body: { ...state.offer, secret: entry.secret } });
      }
      for (const offer of offers) expect((await confirm(offer)).status).toBe(200);

      // The last third lapses. MySQL's clock alone decides when (expires_at <= NOW(3), for the sweeper and for a
      // confirm alike), so moving their instant into the past is waiting it out, without racing a short hold time
      // against ~100 sequential calls on a busy machine. They are still held until the sweeper (any instance) ends them.
      const stillHeld = await rows<{ n: number }>("SELECT COUNT(*) AS n FROM bookings WHERE event_id = ? AND status = 'held'", [event.id]);
      expect(Number(stillHeld[0].n)).toBe(toExpire.length);
      await rows("UPDATE bookings SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE event_id = ? AND status = 'held'", [event.id]);
      // Swept in MySQL, then the seats go back to the pool (or to the waiting list): polled until both are done.
      await waitFor('lapsed holds swept and their seats back on sale', async () => {
        const state = await eventState(event.id);
        return state.held === 0 && state.available === 57;
      });
      for (const h of toExpire.slice(0, 3)) expect((await confirm(h)).status).toBe(410);
      const gone = new Set([...toRelease, ...toExpire].map((h) => h.body.reference));
      expect(await eventState(event.id)).toMatchObject({ sold: 43, held: 0, available: 57 });
      expect(await violationsFor(event.id, capacity, [...live(held as Answer[], gone), ...(offers as Answer[])], false)).toEqual([]);

      // Every returned seat is on sale again: demand beyond it sells the event out exactly.
      const resale = await burst(80, () => book(app.url, event.id, 1));
      expect(countByStatus(resale)).toEqual({ 201: 57, 409: 23 });
      const final = [...live(held, gone), ...(offers as Answer[]), ...resale];
      expect(await violationsFor(event.id, capacity, final, true)).toEqual([]);
      process.stdout.write(
        `[proof 10] ${strategy}: 100 held, 33 confirmed, 33 released (10 to the waiting list, in order), 34 expired; resold 57; sold ${capacity}/${capacity}\n`,
      );
    });
  });

  /**
   * `count` holds of 1 s or more on the app at `url`; each confirm is sent at a random instant from `earlyMs` before
   * to `lateMs` after its hold's expiry. Returns how many confirms won, the holds whose answer disagrees with what
   * MySQL stored, and the invariant checker's findings.
   */
  const confirmsAtExpiry = async (url: string, count: number, earlyMs: number, lateMs: number) => {
    // The holds must all be made before the first confirm is due: the hold time grows with the window.
    const checkoutHoldTtlMs = Math.max(1000, 2 * earlyMs + 1000);
    const event = await createEvent(url, { capacity: count, strategy: 'atomic', checkoutHoldTtlMs });
    const holdAt = (h: Hold) => fetch(`${url}/api/v1/holds/${h.body.reference}/confirm`, { method: 'POST', headers: ownerOf(h) });
    const holds = await Promise.all(
      Array.from({ length: count }, async () => {
        const res = await fetch(`${url}/api/v1/events/${event.id}/holds`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ customerEmail: `r${Math.floor(Math.random() * 1e9)}@example.com`, quantity: 1 }),
        });
        return { status: res.status, body: (await res.json()) as Hold['body'] };
      }),
    );
    expect(countByStatus(holds as Answer[])).toEqual({ 201: count });
    const answers = await Promise.all(
      holds.map(async (h) => {
        // Not a wait for a condition: the instant at which this confirm is sent, around its hold's expiry.
        await sleep(Math.max(0, Date.parse(h.body.expiresAt!) - Date.now() + Math.floor(Math.random() * (earlyMs + lateMs)) - earlyMs));
        return (await holdAt(h)).status;
      }),
    );
    // Settled in MySQL first, then in the pool (the sweeper returns an expired hold's seat after ending it): polled
    // until each seat is ticketed or free again, else the checker below would read the moment in between.
    await waitFor('every raced hold settled in MySQL and its seat ticketed or back in the pool', async () => {
      if ((await rows("SELECT 1 FROM bookings WHERE event_id = ? AND status = 'held'", [event.id])).length > 0) return false;
      const [{ n }] = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM tickets WHERE event_id = ?', [event.id]);
      return Number(n) + (await testRedis().zcard(seatKeys(event.id).free)) >= count;
    });
    const stored = await rows<{ reference: string; status: string; tickets: number }>(
      'SELECT b.reference, b.status, (SELECT COUNT(*) FROM tickets t WHERE t.booking_id = b.id) AS tickets FROM bookings b WHERE b.event_id = ?',
      [event.id],
    );
    const byReference = new Map(stored.map((r) => [r.reference, r]));
    const mismatched = holds.filter((h, i) => {
      const row = byReference.get(h.body.reference)!;
      return answers[i] === 200
        ? row.status !== 'confirmed' || Number(row.tickets) !== 1
        : answers[i] !== 410 || row.status !== 'expired' || Number(row.tickets) !== 0;
    });
    const confirmedAnswers = holds.filter((_, i) => answers[i] === 200) as Answer[];
    const violations = await violationsFor(event.id, count, confirmedAnswers, false);
    return { won: answers.filter((s) => s === 200).length, mismatched: mismatched.length, violations };
  };

  it('a confirm racing the expiry: exactly one of them wins, for each hold; both outcomes happen', async () => {
    // The race must really happen (some confirms win, some lose). A busy machine delays the confirms: each round
    // that saw only one outcome widens the window on the side that was missing, up to six rounds.
    let [earlyMs, lateMs] = [80, 10];
    const rounds: string[] = [];
    for (let round = 1; round <= 6; round++) {
      const { won, mismatched, violations } = await confirmsAtExpiry(app.url, 100, earlyMs, lateMs);
      expect(mismatched).toBe(0);
      expect(violations).toEqual([]);
      rounds.push(`-${earlyMs}..+${lateMs} ms: ${won}/100 confirmed`);
      if (won > 0 && won < 100) break;
      if (won === 0) earlyMs *= 3;
      else lateMs *= 3;
    }
    process.stdout.write(`[race] confirms at expiry, every answer matches MySQL: ${rounds.join('; ')}\n`);
    const last = rounds[rounds.length - 1];
    expect(last).not.toMatch(/: (0|100)\/100/);
  });

  describe('controls: a confirm that ignores the lapse (CONTROL_FAULTS=confirm-ignores-lapse)', () => {
    let control: RunningApp;
    beforeAll(async () => {
      control = await startApp(
        { SWEEP_INTERVAL_MS: '100', CHECKOUT_HOLD_TTL_MS: '600000', CONTROL_FAULTS: 'confirm-ignores-lapse' },
        { testControls: true },
      );
    });
    afterAll(async () => {
      await control?.close();
    });

    it('proof 10 (control group): holds lapsed and swept, then confirmed anyway: 200 where proof 10 wants 410, and their seats are sold twice', async () => {
      const event = await createEvent(control.url, { capacity: 3, strategy: 'atomic', checkoutHoldTtlMs: HOLD_MS });
      const holds = await burst(3, async () => {
        const res = await fetch(`${control.url}/api/v1/events/${event.id}/holds`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ customerEmail: `c${Math.floor(Math.random() * 1e9)}@example.com`, quantity: 1 }),
        });
        return { status: res.status, body: await res.json() };
      });
      expect(countByStatus(holds)).toEqual({ 201: 3 });
      // Lapsed as proof 10 lapses its last third, and swept: the seats are back on sale.
      await rows("UPDATE bookings SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE event_id = ? AND status = 'held'", [event.id]);
      await waitFor('the lapsed holds swept and their seats back on sale', async () => {
        const swept = await rows("SELECT 1 FROM bookings WHERE event_id = ? AND status = 'expired'", [event.id]);
        return swept.length === 3 && (await testRedis().zcard(seatKeys(event.id).free)) === 3;
      });
      const late = await Promise.all(
        holds.map(
          async (h) =>
            (await fetch(`${control.url}/api/v1/holds/${h.body?.reference}/confirm`, { method: 'POST', headers: ownerOf(h) })).status,
        ),
      );
      const resale = await burst(3, () => book(control.url, event.id, 1));
      const violations = await violationsFor(event.id, 3, [...holds, ...resale], false);
      // What proof 10 asserts fails here: a confirm after the expiry is not 410, and the invariant checker objects.
      expect(late.filter((status) => status !== 410)).toHaveLength(3);
      expect(violations).not.toEqual([]);
      process.stdout.write(
        `[proof 10 control] confirms of swept holds answered ${JSON.stringify(late)} (proof 10 wants 410); resale ${JSON.stringify(countByStatus(resale))}; checker: ${violations.length} findings, e.g. "${violations[0]}"\n`,
      );
    });

    it("confirm vs expiry (control group): confirms sent after the expiry win, and the race test's MySQL comparison catches it", async () => {
      // Every confirm 0..1000 ms after its hold's expiry: the sweeper (every 100 ms) has ended most of them first.
      const { won, mismatched, violations } = await confirmsAtExpiry(control.url, 20, 0, 1000);
      // What the race test asserts fails here: answers that disagree with MySQL (confirmed without a ticket).
      expect(mismatched).toBeGreaterThan(0);
      process.stdout.write(
        `[race control] confirms after expiry: ${won}/20 answered 200, ${mismatched} disagree with MySQL; checker: ${violations.length} findings\n`,
      );
    });
  });

  it('a sale window: a burst around the opening instant gets no seat before it, SALE_NOT_OPEN with Retry-After and opensAt', async () => {
    const opensAt = new Date(Date.now() + 1500);
    const event = await createEvent(app.url, { capacity: 1000, strategy: 'pessimistic', salesStartAt: opensAt.toISOString() });
    expect((await eventState(event.id)).saleStatus).toBe('not-open');
    const answers: { sentAt: number; status: number; code?: string; retryAfter: string | null; opensAt?: string }[] = [];
    // Firing from now until enough seats were sold after the opening (or a generous deadline): the burst spans the
    // opening instant however slow the machine, and nothing depends on how many answers fit in a time window.
    const giveUpAt = Date.now() + 30_000;
    const booked = () => answers.filter((a) => a.status === 201).length;
    const fire = async () => {
      while (booked() < 20 && Date.now() < giveUpAt) {
        const sentAt = Date.now();
        const res = await fetch(api(`/events/${event.id}/bookings`), {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ customerEmail: `s${sentAt}@example.com`, quantity: 1 }),
        });
        const body = await res.json();
        answers.push({ sentAt, status: res.status, code: body.code, retryAfter: res.headers.get('retry-after'), opensAt: body.opensAt });
      }
    };
    // MySQL's own clock watches too: every time it reads, before the opening by its clock, it holds no booking.
    const seenByMysql: { now: Date; bookings: number }[] = [];
    const watch = async () => {
      while (booked() < 20 && Date.now() < giveUpAt) {
        const [sample] = await rows<{ now: Date; n: number }>('SELECT NOW(3) AS now, COUNT(*) AS n FROM bookings WHERE event_id = ?', [
          event.id,
        ]);
        seenByMysql.push({ now: new Date(sample.now), bookings: Number(sample.n) });
        await sleep(5);
      }
    };
    await Promise.all([...Array.from({ length: 8 }, fire), watch()]);
    const early = answers.filter((a) => a.status === 409);
    // The burst really spanned the opening: refusals before it, bookings after it.
    expect(early.length).toBeGreaterThan(0);
    expect(booked()).toBeGreaterThanOrEqual(20);
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect(early.every((a) => a.code === 'SALE_NOT_OPEN' && a.opensAt === opensAt.toISOString() && Number(a.retryAfter) >= 1)).toBe(true);
    const beforeOpening = seenByMysql.filter((s) => s.now.getTime() < opensAt.getTime());
    expect(beforeOpening.length).toBeGreaterThan(0);
    expect(beforeOpening.filter((s) => s.bookings > 0)).toEqual([]);
    // The app's timestamps agree: no booking was made before the opening instant.
    const [{ first }] = await rows<{ first: Date }>('SELECT MIN(created_at) AS first FROM bookings WHERE event_id = ?', [event.id]);
    expect(new Date(first).getTime()).toBeGreaterThanOrEqual(opensAt.getTime());
    const closed = await patch(event.id, { salesEndAt: new Date(Date.now() - 1).toISOString() });
    expect(closed.status).toBe(200);
    expect((await book(app.url, event.id, 1)).body?.code).toBe('SALE_CLOSED');
  });

  it('with an Idempotency-Key: SALE_NOT_OPEN is not remembered for the key, and a booking made in time replays after the sale closed', async () => {
    const opensAt = new Date(Date.now() + 1200);
    const event = await createEvent(app.url, { capacity: 5, strategy: 'atomic', salesStartAt: opensAt.toISOString() });
    const key = { 'Idempotency-Key': `early-booking-${event.id}-0123456789` };
    const early = await book(app.url, event.id, 1, key, 'early@example.com');
    expect(early.body?.code).toBe('SALE_NOT_OPEN');
    await waitFor('the opening instant', () => Date.now() > opensAt.getTime());
    const inTime = await book(app.url, event.id, 1, key, 'early@example.com');
    expect(inTime).toMatchObject({ status: 201 });
    expect((await patch(event.id, { salesEndAt: new Date(Date.now() - 1).toISOString() })).status).toBe(200);
    expect((await book(app.url, event.id, 1, {}, 'late@example.com')).body?.code).toBe('SALE_CLOSED');
    expect(await book(app.url, event.id, 1, key, 'early@example.com')).toEqual(inTime);
  });

  it('capacity changed on sale: lowering below the highest seat sold is refused; freed seats beyond the new capacity are not sold again', async () => {
    const event = await createEvent(app.url, { capacity: 40, strategy: 'atomic' });
    const first = await burst(60, () => book(app.url, event.id, 1));
    expect(countByStatus(first)).toEqual({ 201: 40, 409: 20 });
    const below = await patch(event.id, { capacity: 30 });
    expect(below.status).toBe(409);
    expect(await below.json()).toMatchObject({ code: 'CAPACITY_BELOW_SOLD', highestSeat: 40 });
    // Free seats 31..40, then lower to 30: nothing beyond seat 30 may be sold again.
    const top = first.filter((a) => a.status === 201 && (a.body?.seats?.[0] ?? 0) > 30);
    for (const a of top)
      expect((await fetch(api(`/bookings/${a.body?.reference}`), { method: 'DELETE', headers: ownerOf(a) })).status).toBe(200);
    expect((await patch(event.id, { capacity: 30 })).status).toBe(200);
    expect(await eventState(event.id)).toMatchObject({ capacity: 30, sold: 30, available: 0 });
    expect(countByStatus(await burst(10, () => book(app.url, event.id, 1)))).toEqual({ 409: 10 });
  });

  /**
   * Capacity 70 with seats 1..30 sold, the strategy switched; `before` buyers book one seat each (and are answered),
   * then `buyers` more are sent and the capacity is lowered to 45 at once, their requests on the way: the lowering
   * meets the load by construction, however fast or slow the machine (checked: `overlapped`). Buyers retry a 503 like
   * a client. Returns the answer to the lowering and the answers of the buyers sent with it.
   */
  const lowerTo45UnderLoad = async (before: number, buyers: number) => {
    const event = await createEvent(app.url, { capacity: 30, strategy: 'atomic' });
    const kept = await burst(30, () => book(app.url, event.id, 1));
    expect(countByStatus(kept)).toEqual({ 201: 30 });
    expect((await patch(event.id, { capacity: 70 })).status).toBe(200);
    const strategy = await fetch(api(`/events/${event.id}/strategy`), {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ strategy: 'optimistic' }),
    });
    expect(strategy.status).toBe(200);
    const earlier = await burst(before, () => bookRetrying503(app.url, event.id, 1));
    expect(countByStatus(earlier)).toEqual(before > 0 ? { 201: before } : {});
    const timed: { sentAt: number; at: number }[] = [];
    const load = burst(buyers, async () => {
      const sentAt = Date.now();
      const answer = await bookRetrying503(app.url, event.id, 1);
      timed.push({ sentAt, at: Date.now() });
      return answer;
    });
    const lowerSentAt = Date.now();
    const res = await patch(event.id, { capacity: 45 });
    const lowered = { status: res.status, body: (await res.json()) as { code?: string; highestSeat?: number } };
    const loweredAt = Date.now();
    const answers = await load;
    const overlapped = timed.some((t) => t.sentAt <= loweredAt && t.at >= lowerSentAt);
    const capacity = Number((await eventState(event.id)).capacity);
    const [{ highest }] = await rows<{ highest: number }>('SELECT MAX(seat_no) AS highest FROM tickets WHERE event_id = ?', [event.id]);
    expect(Number(highest)).toBeLessThanOrEqual(capacity);
    expect(answers.filter((a) => a.status !== 201 && a.body?.code !== 'SOLD_OUT')).toEqual([]);
    // Whatever the load left, demand now exceeds supply: the event sells out exactly at its capacity.
    const rest = await burst(80, () => bookRetrying503(app.url, event.id, 1));
    expect(rest.filter((a) => a.status !== 201 && a.body?.code !== 'SOLD_OUT')).toEqual([]);
    expect(await violationsFor(event.id, capacity, [...kept, ...earlier, ...answers, ...rest], true)).toEqual([]);
    return { lowered, answers, capacity, overlapped };
  };

  // Each answer to a lowering under load forced in its own case (seats go lowest first): both are always exercised.
  it('capacity lowered under load, allowed: buyers who cannot reach seat 46 are booking while it is lowered to 45 (200)', async () => {
    // 15 buyers for seats 31..45, the lowering sent with them.
    const result = await lowerTo45UnderLoad(0, 15);
    expect(result.overlapped).toBe(true);
    expect(result.lowered.status).toBe(200);
    expect(result.capacity).toBe(45);
    expect(countByStatus(result.answers)).toEqual({ 201: 15 });
    process.stdout.write(
      `[capacity] lowered to 45 under load of 15 buyers: ${result.lowered.status}; final capacity 45, sold out exactly\n`,
    );
  });

  it('capacity lowered under load, refused: with seat 50 sold, lowering to 45 while 100 buyers book is 409 CAPACITY_BELOW_SOLD', async () => {
    // Seats 31..50 sold first, then 100 buyers for the 20 left, the lowering sent with them.
    const result = await lowerTo45UnderLoad(20, 100);
    expect(result.overlapped).toBe(true);
    expect(result.lowered.status).toBe(409);
    expect(result.lowered.body.code).toBe('CAPACITY_BELOW_SOLD');
    expect(result.lowered.body.highestSeat).toBeGreaterThanOrEqual(50);
    expect(result.capacity).toBe(70);
    expect(countByStatus(result.answers)).toEqual({ 201: 20, 409: 80 });
    process.stdout.write(
      `[capacity] lowered to 45 under load of 100 buyers: ${result.lowered.status} (highest seat ${result.lowered.body.highestSeat}); final capacity 70, sold out exactly\n`,
    );
  });

  it('a cancelled event: sales stop, bookings and holds are cancelled, its waiting list too', async () => {
    const event = await createEvent(app.url, { capacity: 2, strategy: 'pessimistic' });
    const b = await book(app.url, event.id, 1);
    const h = await hold(event.id);
    const entry = await (
      await fetch(api(`/events/${event.id}/waitlist`), {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ customerEmail: 'q@example.com', quantity: 1 }),
      })
    ).json();
    const cancelled = await fetch(api(`/events/${event.id}/cancel`), { method: 'POST', headers: admin });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ saleStatus: 'cancelled', sold: 0, held: 0 });
    expect((await book(app.url, event.id, 1)).body?.code).toBe('EVENT_CANCELLED');
    expect((await (await fetch(api(`/bookings/${b.body?.reference}`), { headers: ownerOf(b) })).json()).status).toBe('cancelled');
    expect((await confirm(h)).status).toBe(409);
    expect(
      (await (await fetch(api(`/waitlist/${entry.reference}`), { headers: { authorization: `Bearer ${entry.secret}` } })).json()).status,
    ).toBe('cancelled');
  });

  it('holds count under maxPerCustomer: a customer holding 2 of 2 can neither hold nor book more until the hold ends', async () => {
    const event = await createEvent(app.url, { capacity: 20, strategy: 'optimistic', maxPerCustomer: 2 });
    const first = await hold(event.id, 'limited@example.com', 2);
    expect(first.status).toBe(201);
    expect((await hold(event.id, 'limited@example.com', 1)).body.code).toBe('CUSTOMER_LIMIT_REACHED');
    expect((await book(app.url, event.id, 1, {}, 'limited@example.com')).body?.code).toBe('CUSTOMER_LIMIT_REACHED');
    // Concurrent holds of one customer: the limit holds under a race too.
    const burstHolds = await Promise.all(Array.from({ length: 20 }, () => hold(event.id, 'racing@example.com', 1)));
    expect(countByStatus(burstHolds as Answer[])).toEqual({ 201: 2, 409: 18 });
    expect(burstHolds.filter((h) => h.status === 409).every((h) => h.body.code === 'CUSTOMER_LIMIT_REACHED')).toBe(true);
    // A released hold no longer counts.
    expect((await release(first)).status).toBe(200);
    expect((await book(app.url, event.id, 2, {}, 'limited@example.com')).status).toBe(201);
    expect((await book(app.url, event.id, 1, {}, 'limited@example.com')).body?.code).toBe('CUSTOMER_LIMIT_REACHED');
  });

  it('the waiting list: an entry wanting more seats than came back keeps its place and is skipped; a lapsed offer passes its seats on', async () => {
    const event = await createEvent(app.url, { capacity: 4, strategy: 'pessimistic' });
    const sold = await burst(4, () => book(app.url, event.id, 1));
    expect(countByStatus(sold)).toEqual({ 201: 4 });
    const bySeat = new Map(sold.map((a) => [a.body!.seats![0], a]));
    const join = async (email: string, quantity: number) =>
      (await (
        await fetch(api(`/events/${event.id}/waitlist`), {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ customerEmail: email, quantity }),
        })
      ).json()) as { reference: string; secret: string };
    const state = async (entry: { reference: string; secret: string }) =>
      (await (await fetch(api(`/waitlist/${entry.reference}`), { headers: { authorization: `Bearer ${entry.secret}` } })).json()) as {
        status: string;
        offer: { reference: string; seats: number[] } | null;
      };
    const cancel = (seat: number) =>
      fetch(api(`/bookings/${bySeat.get(seat)!.body?.reference}`), { method: 'DELETE', headers: ownerOf(bySeat.get(seat)!) });
    const [wantsTwo, b, c] = [await join('two@example.com', 2), await join('b@example.com', 1), await join('c@example.com', 1)];

    // One seat back: the head wants two, so it is skipped (keeping its place) and the next entry gets the seat.
    expect((await cancel(1)).status).toBe(200);
    expect(await state(wantsTwo)).toMatchObject({ status: 'waiting', offer: null });
    expect(await state(b)).toMatchObject({ status: 'offered', offer: { seats: [1] } });
    expect(await state(c)).toMatchObject({ status: 'waiting', offer: null });

    // b's offer lapses (its instant moved into the past: MySQL's clock decides; the sweeper ends it): seat 1 goes on
    // to c, the head still being skipped; b's place is gone for good.
    await rows("UPDATE bookings SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE reference = ? AND status = 'held'", [
      (await state(b)).offer!.reference,
    ]);
    await waitFor('the lapsed offer passed on', async () => (await state(c)).status === 'offered');
    expect(await state(b)).toMatchObject({ status: 'expired' });
    expect(await state(c)).toMatchObject({ status: 'offered', offer: { seats: [1] } });
    expect(await state(wantsTwo)).toMatchObject({ status: 'waiting', offer: null });

    // Two seats at once (more capacity): now the head's turn.
    expect((await patch(event.id, { capacity: 6 })).status).toBe(200);
    expect(await state(wantsTwo)).toMatchObject({ status: 'offered', offer: { seats: [5, 6] } });
    expect(await eventState(event.id)).toMatchObject({ sold: 3, held: 3, available: 0 });
    // Both offers taken: nothing of this test is left to lapse later (the bad-input test compares snapshots).
    for (const entry of [c, wantsTwo]) {
      const offer = (await state(entry)).offer!;
      expect(
        (await fetch(api(`/holds/${offer.reference}/confirm`), { method: 'POST', headers: { authorization: `Bearer ${entry.secret}` } }))
          .status,
      ).toBe(200);
    }
    expect(await eventState(event.id)).toMatchObject({ sold: 6, held: 0, available: 0 });
  });

  it('a seat conflict on the one-call insert (CALL insert_booking): Redis offers a sold seat, MySQL refuses it, the pool is rebuilt and the buyer gets another', async () => {
    // One booking per transaction: the path that CALLs insert_booking (group commit has its own seat-conflict path).
    const single = await startApp({ BOOKING_BATCH_MAX: '1' });
    try {
      await seatConflictHealed(single);
    } finally {
      await single.close();
    }
  });

  async function seatConflictHealed(app: RunningApp): Promise<void> {
    const event = await createEvent(app.url, { capacity: 3, strategy: 'atomic' });
    const first = await book(app.url, event.id, 1);
    expect(first.body?.seats).toEqual([1]);
    // A stale pool (as after a lost Redis write): seat 1, sold in MySQL, is offered again, first in line.
    await testRedis().zadd(seatKeys(event.id).free, 1, '1');
    const rebuilds = async () =>
      Number(
        /seatguard_inventory_rebuilds_total\{reason="seat-conflict"\} (\d+)/.exec(
          await (await fetch(`${app.url}/metrics`, { headers: metricsScraper })).text(),
        )?.[1] ?? 0,
      );
    const before = await rebuilds();
    const second = await book(app.url, event.id, 1);
    expect(second).toMatchObject({ status: 201, body: { seats: [2] } });
    // The conflict really happened (the primary key refused seat 1 inside the procedure) and was healed.
    expect(await rebuilds()).toBe(before + 1);
    expect(await violationsFor(event.id, 3, [first, second], false)).toEqual([]);
  }

  it('bad input for every checkout route: 4xx naming the problem, nothing written', async () => {
    // The sweeper must not change Redis while the snapshot is compared: neither drop the pool of an earlier test's
    // ended or cancelled event (it does on its next tick) nor settle an earlier burst's seat claims (RESERVATION_TTL_MS after them).
    await waitFor(
      'pools of events off sale dropped, earlier claims settled',
      async () => {
        const known = (await testRedis().smembers(KNOWN_INVENTORIES_KEY)).map(Number);
        if (known.length === 0) return true;
        const live = await rows(
          'SELECT id FROM events WHERE id IN (?) AND cancelled_at IS NULL AND (sales_end_at IS NULL OR sales_end_at > NOW(3))',
          [known],
        );
        const claims = await Promise.all(known.map((id) => testRedis().zcard(seatKeys(id).reserved)));
        return live.length === known.length && claims.every((n) => n === 0);
      },
      60_000,
    );
    const event = await createEvent(app.url, { capacity: 3 });
    const h = await hold(event.id);
    // No hold of an earlier test may lapse (and be swept) while the snapshot is compared.
    await waitFor(
      'no hold about to lapse',
      async () => (await rows("SELECT 1 FROM bookings WHERE status = 'held' AND expires_at < NOW(3) + INTERVAL 2 MINUTE")).length === 0,
      90_000,
    );
    const before = await snapshot();
    const cases: [string, string, unknown, Record<string, string>, number, RegExp][] = [
      [
        'POST',
        '/holds/bk_AAAAAAAAAAAAAAAAAAAAAA/confirm',
        undefined,
        { authorization: `Bearer ${h.body.secret}` },
        404,
        /no booking with this reference/,
      ],
      ['POST', '/holds/not-a-reference/confirm', undefined, admin, 404, /no booking with this reference/],
      ['POST', `/holds/${h.body.reference}/confirm`, undefined, { authorization: 'Bearer wrong' }, 404, /no booking with this reference/],
      ['DELETE', `/holds/${h.body.reference}`, undefined, {}, 404, /no booking with this reference/],
      ['POST', `/events/${event.id}/holds`, { customerEmail: 'x@example.com', quantity: 0 }, json, 400, /quantity must not be less than 1/],
      [
        'POST',
        `/events/${event.id}/holds`,
        { customerEmail: 'x@example.com', quantity: 11 },
        json,
        400,
        /quantity must not be greater than 10/,
      ],
      ['POST', `/events/${event.id}/holds`, { customerEmail: 'nope', quantity: 1 }, json, 400, /customerEmail/],
      ['POST', '/events/987654/holds', { customerEmail: 'x@example.com', quantity: 1 }, json, 404, /event 987654 does not exist/],
      ['PATCH', `/events/${event.id}`, { capacity: 0 }, admin, 400, /capacity must not be less than 1/],
      ['PATCH', `/events/${event.id}`, { capacity: 'lots' }, admin, 400, /capacity must be an integer/],
      [
        'PATCH',
        `/events/${event.id}`,
        { salesStartAt: '2027-02-01T00:00:00Z', salesEndAt: '2027-01-01T00:00:00Z' },
        admin,
        400,
        /salesEndAt must be after salesStartAt/,
      ],
      ['PATCH', `/events/${event.id}`, { salesStartAt: 'soon' }, admin, 400, /salesStartAt must be an ISO 8601 date-time/],
      ['PATCH', `/events/${event.id}`, { checkoutHoldTtlMs: 10 }, admin, 400, /checkoutHoldTtlMs must not be less than 1000/],
      ['PATCH', `/events/${event.id}`, { capacity: 5 }, json, 401, /admin token/],
      ['PATCH', `/events/${event.id}`, { unknown: 1 }, admin, 400, /property unknown should not exist/],
      [
        'POST',
        '/events',
        {
          name: 'W',
          startsAt: '2027-01-01T00:00:00Z',
          capacity: 5,
          salesStartAt: '2027-02-01T00:00:00Z',
          salesEndAt: '2027-01-01T00:00:00Z',
        },
        admin,
        400,
        /salesEndAt must be after salesStartAt/,
      ],
      ['POST', `/events/${event.id}/cancel`, undefined, {}, 401, /admin token/],
      ['POST', `/events/${event.id}/waitlist`, { customerEmail: 'x@example.com', quantity: 1 }, json, 409, /seats are on sale/],
      [
        'POST',
        `/events/${event.id}/waitlist`,
        { customerEmail: 'x@example.com', quantity: -1 },
        json,
        400,
        /quantity must not be less than 1/,
      ],
      ['GET', '/waitlist/wl_AAAAAAAAAAAAAAAAAAAAAA', undefined, admin, 404, /no waiting-list entry/],
      ['DELETE', '/waitlist/anything', undefined, admin, 404, /no waiting-list entry/],
    ];
    const wrong: string[] = [];
    for (const [method, path, body, headers, status, says] of cases) {
      const res = await fetch(api(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const answer = (await res.json()) as { message?: string };
      if (res.status !== status || !says.test(answer.message ?? ''))
        wrong.push(`${method} ${path} ${JSON.stringify(body)}: ${res.status} ${answer.message}`);
    }
    expect(wrong).toEqual([]);
    expect(await snapshot()).toBe(before);
    expect(await eventState(event.id)).toMatchObject({ capacity: 3, held: 1 });
  });
});
