import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Answer, saleViolations } from '../../tools/invariants/sale-invariants';
import { readSaleState } from '../../tools/invariants/read-sale-state';
import { closeUnguardedDb, prepareUnguardedDatabase, UNGUARDED_DB_NAME, unguardedRows } from '../support/controls/unguarded-db';
import { closeUnguardedRedis, UNGUARDED_REDIS_URL, unguardedRedis } from '../support/controls/unguarded-redis';
import { admin, book, bookRetrying503, burst, countByStatus, createEvent, customerBurst, ownerOf, violationsFor } from '../support/sale';
import { closeTestDb, rows, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis, testRedis } from '../support/test-redis';
import { RunningApp, startApp } from '../support/test-app';
import { seatKeys } from '../../src/domain/inventory/seat-keys';
import { STRATEGY_NAMES as SAFE } from '../../src/domain/inventory/strategies/strategy-name';
import { BATCH_MODES, BatchMode, batchCounters, batchesSince } from '../support/batching';
import { metricsScraper } from '../support/metrics-scraper';
import { waitFor } from '../support/wait-for';
import { ReservationSweeper } from '../../src/domain/inventory/reservation-sweeper';

/** Seats given back after a failed write (compensation), from the app's /metrics. */
async function seatsReturned(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: metricsScraper })).text();
  return Number(/seatguard_seats_returned_total\{reason="compensation"\} (\d+)/.exec(text)?.[1] ?? 0);
}

type Rows = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

/** Proof 6's run: 25 concurrent requests with one Idempotency-Key; what the clients heard and what MySQL (`query`) stored. */
async function sameKeyBurst(url: string, query: Rows) {
  const event = await createEvent(url, { capacity: 10, strategy: 'pessimistic' });
  const headers = { 'Idempotency-Key': `order-${event.id}-abcdefghijkl` };
  const answers = await burst(25, () => book(url, event.id, 2, headers, 'same@example.com'));
  const [stored] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM bookings WHERE event_id = ?', [event.id]);
  return {
    eventId: event.id,
    headers,
    answers,
    bookings: Number(stored.n),
    distinctAnswers: new Set(answers.map((a) => JSON.stringify(a))).size,
  };
}

/**
 * Proof 7's run: 10 seats sold to 15 buyers, 3 bookings cancelled (one twice), 20 buyers for what came back, then
 * a late repeat of a cancel (a client retrying it) after its seats were sold again, and 5 more buyers. Checks on the
 * way what must hold for any app that runs it; returns what proof 7 and its control tell apart.
 */
async function cancelResellCancelAgain(url: string, query: Rows, redis: Redis) {
  const event = await createEvent(url, { capacity: 10, strategy: 'optimistic' });
  const cancel = (a: Answer) => fetch(`${url}/api/v1/bookings/${a.body?.reference}`, { method: 'DELETE', headers: ownerOf(a) });
  const firstSale = await burst(15, () => book(url, event.id, 1));
  expect(countByStatus(firstSale)).toEqual({ 201: 10, 409: 5 });
  const toCancel = firstSale.filter((a) => a.status === 201).slice(0, 3);
  for (const a of toCancel) {
    const res = await cancel(a);
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe('cancelled');
  }
  expect((await cancel(toCancel[0])).status).toBe(200);
  expect((await (await fetch(`${url}/api/v1/events/${event.id}`)).json()).available).toBe(3);
  const resale = await burst(20, () => book(url, event.id, 1));
  expect(countByStatus(resale)).toEqual({ 201: 3, 409: 17 });
  const freed = toCancel.flatMap((a) => a.body?.seats ?? []).sort((a, b) => a - b);
  const resold = resale
    .filter((a) => a.status === 201)
    .flatMap((a) => a.body?.seats ?? [])
    .sort((a, b) => a - b);
  expect(resold).toEqual(freed);
  // Its seat belongs to a buyer of the resale now: repeating the cancel must give nothing back.
  expect((await cancel(toCancel[1])).status).toBe(200);
  // The pool itself (an event's `available` is capped at capacity - sold - held, so it would not show a seat put back twice).
  const freeAfterLateCancel = await redis.zcard(seatKeys(event.id).free);
  const lateBurst = await burst(5, () => book(url, event.id, 1));
  const live: Answer[] = [...firstSale.filter((a) => !toCancel.includes(a)), ...resale, ...lateBurst];
  const stored = await readSaleState(query, event.id, redis);
  const violations = saleViolations({ capacity: 10, answers: live, ...stored, expectSoldOut: true });
  return { freeAfterLateCancel, lateBurst: countByStatus(lateBurst), violations };
}

describe('bookings under concurrency (real MySQL and Redis)', () => {
  let app: RunningApp;
  /** The same app with group commit on (issue 19): the flash and switch proofs run on both. */
  let batchedApp: RunningApp;
  const appFor = (mode: BatchMode): RunningApp => (mode === 'batched' ? batchedApp : app);

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    // The delay only affects the `unsafe` control group: it widens its read-then-write window.
    // UNSAFE_LIMIT_DELAY_MS: the naive per-customer check of proof 9's control waits this long between its count and its
    // insert, so that on a busy machine too, bookings arriving one by one still overlap in it.
    const controls = { UNSAFE_DELAY_MS: '20', UNSAFE_LIMIT_DELAY_MS: '300' };
    app = await startApp({ ...controls, ...BATCH_MODES[0].env }, { testControls: true });
    batchedApp = await startApp({ ...controls, ...BATCH_MODES[1].env }, { testControls: true });
  });
  afterAll(async () => {
    await app?.close();
    await batchedApp?.close();
    await closeTestDb();
    await closeTestRedis();
  });

  /** A proof with group commit on proves batching only if batches of more than one booking formed. */
  async function expectBatchesFormed(mode: BatchMode, run: () => Promise<void>): Promise<string> {
    const before = await batchCounters(appFor(mode).url);
    await run();
    const formed = await batchesSince([appFor(mode).url], [before]);
    if (mode === 'batched') expect(formed.meanSize).toBeGreaterThan(1);
    else expect(formed.batches).toBe(0);
    return mode === 'batched' ? `, ${formed.batches} batches of ${formed.meanSize.toFixed(1)} on average` : '';
  }

  describe.each(BATCH_MODES.map((m) => m.mode))('%s', (mode) => {
    describe.each(SAFE)('%s', (strategy) => {
      it('proof 1: 300 buyers, 100 seats: exactly 100 booked, 200 sold out, nothing else', async () => {
        const { url } = appFor(mode);
        const event = await createEvent(url, { capacity: 100, strategy });
        let answers: Answer[] = [];
        const batches = await expectBatchesFormed(mode, async () => {
          answers = await burst(300, () => bookRetrying503(url, event.id, 1));
        });
        expect(countByStatus(answers)).toEqual({ 201: 100, 409: 200 });
        expect(answers.filter((a) => a.status === 409).every((a) => a.body?.code === 'SOLD_OUT')).toBe(true);
        expect(await violationsFor(event.id, 100, answers, true)).toEqual([]);
        const seats = (await rows<{ seat_no: number }>('SELECT seat_no FROM tickets WHERE event_id = ? ORDER BY seat_no', [event.id])).map(
          (r) => r.seat_no,
        );
        expect(seats).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        const shown = await (await fetch(`${url}/api/v1/events/${event.id}`)).json();
        expect(shown).toMatchObject({ sold: 100, available: 0 });
        process.stdout.write(
          `[proof 1] ${strategy} ${mode}: ${JSON.stringify(countByStatus(answers))}, tickets ${seats.length}/100${batches}\n`,
        );
      });

      it('proof 2: mixed quantities 1-4 for 97 seats, then a final wave of singles: sold == capacity, never more', async () => {
        const { url } = appFor(mode);
        const event = await createEvent(url, { capacity: 97, strategy });
        let answers: Answer[] = [];
        const batches = await expectBatchesFormed(mode, async () => {
          const first = await burst(120, (i) => bookRetrying503(url, event.id, (i % 4) + 1));
          const wave = await burst(60, () => bookRetrying503(url, event.id, 1));
          answers = [...first, ...wave];
        });
        expect(await violationsFor(event.id, 97, answers, true)).toEqual([]);
        const booked = answers.filter((a) => a.status === 201).reduce((n, a) => n + (a.body?.seats?.length ?? 0), 0);
        expect(booked).toBe(97);
        process.stdout.write(
          `[proof 2] ${strategy} ${mode}: ${JSON.stringify(countByStatus(answers))}, seats booked ${booked}/97${batches}\n`,
        );
      });
    });
  });

  it.each(BATCH_MODES.map((m) => m.mode))(
    'proof 3 (%s): the strategy switched among all three every few ms while 600 buyers race for 200 seats',
    async (mode) => {
      const { url } = appFor(mode);
      const event = await createEvent(url, { capacity: 200, strategy: 'atomic' });
      let done = false;
      let switches = 0;
      const refusedSwitches: number[] = [];
      const switcher = (async () => {
        while (!done) {
          const strategy = SAFE[switches % SAFE.length];
          const res = await fetch(`${url}/api/v1/events/${event.id}/strategy`, {
            method: 'PUT',
            headers: admin,
            body: JSON.stringify({ strategy }),
          });
          if (res.status !== 200) refusedSwitches.push(res.status);
          switches++;
          // Pacing, not a wait: the switches go on while the waves book.
          await sleep(3);
        }
      })();
      // Thirty waves of 20 buyers, each let go only after one more switch has landed: the sale and the switches
      // interleave however slow the machine is (the switcher's few ms are not what makes the race happen). Waves
      // are small because with group commit a wave of 100 is one batch, and a switch can take longer than the
      // whole sale: six waves of 100 then all booked between two switches, under one strategy.
      const afterSwitches = (n: number) => waitFor(`${n} strategy switches`, () => switches >= n || done, 60_000);
      const answers = await burst(600, async (i) => {
        await afterSwitches(Math.floor(i / 20));
        return bookRetrying503(url, event.id, 1);
      });
      done = true;
      await switcher;
      expect(refusedSwitches).toEqual([]);
      expect(switches).toBeGreaterThan(SAFE.length);
      expect(countByStatus(answers)).toEqual({ 201: 200, 409: 400 });
      expect(await violationsFor(event.id, 200, answers, true)).toEqual([]);
      const used = new Set(answers.filter((a) => a.status === 201).map((a) => (a.body as { strategy?: string }).strategy));
      expect(used.size).toBeGreaterThan(1);
      process.stdout.write(
        `[proof 3] ${mode}: ${switches} switches, strategies used ${[...used].join(',')}: ${JSON.stringify(countByStatus(answers))}\n`,
      );
    },
  );

  describe.each(BATCH_MODES.map((m) => m.mode))('%s', (mode) => {
    it.each(SAFE)(
      'proof 9 (%s): one customer, 40 concurrent single-seat bookings, maxPerCustomer 2: exactly 2 seats, the rest CUSTOMER_LIMIT_REACHED',
      async (strategy) => {
        const { url } = appFor(mode);
        const event = await createEvent(url, { capacity: 100, strategy, maxPerCustomer: 2 });
        const { answers, seatsHeld } = await customerBurst([url], event.id, 40, 'greedy@example.com');
        expect(countByStatus(answers)).toEqual({ 201: 2, 409: 38 });
        expect(answers.filter((a) => a.status === 409).every((a) => a.body?.code === 'CUSTOMER_LIMIT_REACHED')).toBe(true);
        expect(seatsHeld).toBe(2);
        // Seats taken by the 38 refused bookings went back: every seat is free or ticketed.
        expect(await violationsFor(event.id, 100, answers, false)).toEqual([]);
        process.stdout.write(`[proof 9] ${strategy} ${mode}: ${JSON.stringify(countByStatus(answers))}, customer holds ${seatsHeld}\n`);
      },
    );

    it.each(SAFE)(
      'group commit (%s): one booking of a batch refused (customer limit), every other booking of it booked',
      async (strategy) => {
        const { url } = appFor(mode);
        // The greedy customer's two bookings both pass the early check (nothing booked yet) and meet in MySQL, among
        // 28 other buyers of the same instant: only the transaction can refuse one, and must refuse only that one. If the
        // first commits before the second is even checked, the early check refuses it instead: then the sale is run again.
        let returned = 0;
        for (let round = 1; round <= 3 && returned === 0; round += 1) {
          const event = await createEvent(url, { capacity: 100, strategy, maxPerCustomer: 1 });
          const returnedBefore = await seatsReturned(url);
          let answers: Answer[] = [];
          const greedyAt = [10, 20];
          const batches = await expectBatchesFormed(mode, async () => {
            answers = await burst(30, (i) =>
              book(url, event.id, 1, {}, greedyAt.includes(i) ? 'greedy@example.com' : `buyer${i}-${event.id}@example.com`),
            );
          });
          const greedy = greedyAt.map((i) => answers[i]);
          const others = answers.filter((_, i) => !greedyAt.includes(i));
          expect(countByStatus(greedy)).toEqual({ 201: 1, 409: 1 });
          expect(greedy.find((a) => a.status === 409)?.body?.code).toBe('CUSTOMER_LIMIT_REACHED');
          expect(countByStatus(others)).toEqual({ 201: 28 });
          expect(await violationsFor(event.id, 100, answers, false)).toEqual([]);
          // The refused booking's seat is back on sale at once.
          expect(await (await fetch(`${url}/api/v1/events/${event.id}`)).json()).toMatchObject({ sold: 29, available: 71 });
          // Refused after taking a seat (by the transaction, not the early check): its seat was given back.
          returned = (await seatsReturned(url)) - returnedBefore;
          process.stdout.write(
            `[group commit] ${strategy} ${mode} round ${round}: greedy ${JSON.stringify(countByStatus(greedy))}, others ${JSON.stringify(countByStatus(others))}, seats given back ${returned}${batches}\n`,
          );
        }
        expect(returned).toBe(1);
      },
    );
  });

  it('proof 9 (control group): the same limit checked naively (count, then insert, no lock) lets the burst past it, and proof 9 would catch it', async () => {
    // The control keeps maxPerCustomer 2 and checks it, but without the customer's row lock (see
    // overwriting-bookings.repository.ts): concurrent bookings each count what was committed before any of them.
    const event = await createEvent(app.url, { capacity: 100, strategy: 'unsafe', maxPerCustomer: 2 });
    const { answers, seatsHeld } = await customerBurst([app.url], event.id, 40, 'greedy@example.com');
    // What proof 9 asserts fails here...
    expect(seatsHeld).toBeGreaterThan(2);
    expect(countByStatus(answers)).not.toEqual({ 201: 2, 409: 38 });
    // ...though the limit is there: one more booking, alone, is refused by it. The burst raced the check.
    expect((await book(app.url, event.id, 1, {}, 'greedy@example.com')).body?.code).toBe('CUSTOMER_LIMIT_REACHED');
    process.stdout.write(`[proof 9 control] naive limit check: ${JSON.stringify(countByStatus(answers))}, customer holds ${seatsHeld}\n`);
  });

  describe('controls on a database without the guards (tickets primary key, capacity trigger, unique Idempotency-Key)', () => {
    let control: RunningApp;
    beforeAll(async () => {
      await prepareUnguardedDatabase();
      await unguardedRedis().flushdb();
      // Proof 5's unsafe strategy books through CALL insert_booking; proofs 6 and 7's faults (control-faults.ts)
      // touch only requests with an Idempotency-Key and repeated cancels, which proof 5's control makes none of.
      control = await startApp(
        {
          UNSAFE_DELAY_MS: '20',
          DB_NAME: UNGUARDED_DB_NAME,
          REDIS_URL: UNGUARDED_REDIS_URL,
          REDLOCK_NODES: UNGUARDED_REDIS_URL,
          UNSAFE_INSERT: 'call',
          // One booking per transaction: CALL insert_booking, the procedure the unguarded database has (not the batch's).
          BOOKING_BATCH_MAX: '1',
          CONTROL_FAULTS: 'naive-idempotency,cancel-returns-ended-seats',
        },
        { testControls: true },
      );
    });
    afterAll(async () => {
      await control.close();
      await closeUnguardedDb();
      await closeUnguardedRedis();
    });

    it('proof 5 (control group): the unsafe strategy, booking through the same CALL insert_booking as the app, oversells: tickets > capacity, and the checks catch it', async () => {
      const event = await createEvent(control.url, { capacity: 100, strategy: 'unsafe' });
      const answers = await burst(300, () => book(control.url, event.id, 1));
      const stored = await readSaleState(unguardedRows, event.id, unguardedRedis());
      const violations = saleViolations({ capacity: 100, answers, ...stored, expectSoldOut: true });
      // The check a guarded database can never trip: more ticket rows than seats.
      expect(violations.filter((v) => /^oversold: \d+ tickets for 100 seats$/.test(v))).toHaveLength(1);
      expect(stored.tickets.length).toBeGreaterThan(100);
      expect(violations.some((v) => v.startsWith('double seat'))).toBe(true);
      process.stdout.write(
        `[proof 5] unsafe via CALL insert_booking: ${JSON.stringify(countByStatus(answers))}, ${stored.tickets.length} tickets for 100 seats; ` +
          `checker reported ${violations.length} violations, e.g. "${violations[0]}"\n`,
      );
    });

    it('proof 6 (control group): the key checked naively (looked up, then booked, no claim, no unique index) books more than once, and proof 6 catches it', async () => {
      const run = await sameKeyBurst(control.url, unguardedRows);
      // What proof 6 asserts fails here: more than one booking, and the 25 clients heard different answers.
      expect(run.bookings).toBeGreaterThan(1);
      expect(run.distinctAnswers).toBeGreaterThan(1);
      process.stdout.write(
        `[proof 6 control] naive key check: ${run.bookings} bookings for one key, ${run.distinctAnswers} different answers among 25: ${JSON.stringify(countByStatus(run.answers))}\n`,
      );
    });

    it("the suite's guarded apps leave the control's inventory alone: their sweeps drop pools of events their own MySQL does not list", async () => {
      const event = await createEvent(control.url, { capacity: 5, strategy: 'optimistic' });
      expect((await book(control.url, event.id, 1)).status).toBe(201);
      const pool = seatKeys(event.id);
      expect(await unguardedRedis().zcard(pool.free)).toBe(4);
      for (const guarded of [app, batchedApp]) await guarded.app.get(ReservationSweeper).tidyKnown();
      // Sharing their Redis database, the pool was gone here (and proof 7's control read 0 seats back at random).
      expect(await unguardedRedis().zcard(pool.free)).toBe(4);
    });

    it("proof 7 (control group): a cancel that gives an ended booking's seats back again puts resold seats on sale, and proof 7 catches it", async () => {
      const run = await cancelResellCancelAgain(control.url, unguardedRows, unguardedRedis());
      // What proof 7 asserts fails here: the late repeated cancel put a resold seat back on sale, and it was sold twice.
      expect(run.freeAfterLateCancel).toBeGreaterThan(0);
      expect(run.lateBurst[201] ?? 0).toBeGreaterThan(0);
      expect(run.violations.some((v) => v.startsWith('double seat'))).toBe(true);
      process.stdout.write(
        `[proof 7 control] late repeated cancel: ${run.freeAfterLateCancel} seat(s) back in the pool (proof 7 wants 0), late burst ${JSON.stringify(run.lateBurst)} (wants {"409":5}); checker: "${run.violations[0]}"\n`,
      );
    });
  });

  it('proof 6: 25 concurrent requests with one Idempotency-Key make one booking and 25 identical answers', async () => {
    const run = await sameKeyBurst(app.url, rows);
    expect(run.answers[0].status).toBe(201);
    for (const a of run.answers) expect(a).toEqual(run.answers[0]);
    expect(run.bookings).toBe(1);
    const replay = await book(app.url, run.eventId, 2, run.headers, 'same@example.com');
    expect(replay).toEqual(run.answers[0]);
    const different = await book(app.url, run.eventId, 3, run.headers, 'same@example.com');
    expect(different.status).toBe(422);
    expect(different.body?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await violationsFor(run.eventId, 10, [run.answers[0]], false)).toEqual([]);
  });

  it('proof 7: cancelled seats go back on sale and are sold again, never beyond capacity; a late repeated cancel gives nothing back', async () => {
    const run = await cancelResellCancelAgain(app.url, rows, testRedis());
    expect(run.freeAfterLateCancel).toBe(0);
    expect(run.lateBurst).toEqual({ 409: 5 });
    expect(run.violations).toEqual([]);
  });

  it('answers 404 for an unknown event or booking and 400 for bad booking input, writing nothing', async () => {
    const event = await createEvent(app.url, { capacity: 5 });
    expect((await book(app.url, 999999, 1)).status).toBe(404);
    expect((await fetch(`${app.url}/api/v1/bookings/bk_AAAAAAAAAAAAAAAAAAAAAA`, { headers: admin })).status).toBe(404);
    expect((await fetch(`${app.url}/api/v1/bookings/bk_AAAAAAAAAAAAAAAAAAAAAA`, { method: 'DELETE', headers: admin })).status).toBe(404);
    for (const quantity of [0, -1, 11, 2.5]) {
      const a = await book(app.url, event.id, quantity);
      expect(a.status).toBe(400);
    }
    expect((await book(app.url, event.id, 1, { 'Idempotency-Key': 'x'.repeat(129) })).status).toBe(400);
    expect((await book(app.url, event.id, 1, { 'Idempotency-Key': 'has space' })).status).toBe(400);
    const n = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM bookings WHERE event_id = ?', [event.id]);
    expect(Number(n[0].n)).toBe(0);
  });

  it('rebuilds a lost inventory from MySQL instead of reading it as sold out or all free', async () => {
    const event = await createEvent(app.url, { capacity: 6, strategy: 'atomic' });
    expect((await book(app.url, event.id, 2)).status).toBe(201);
    const keys = seatKeys(event.id);
    await testRedis().del(keys.free, keys.meta, keys.reserved);
    const next = await book(app.url, event.id, 4);
    expect(next.status).toBe(201);
    expect(next.body?.seats).toEqual([3, 4, 5, 6]);
    expect((await book(app.url, event.id, 1)).status).toBe(409);
  });
});
