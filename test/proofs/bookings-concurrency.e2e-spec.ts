import { setTimeout as sleep } from 'node:timers/promises';
import { Answer, saleViolations } from '../../tools/invariants/sale-invariants';
import { readSaleState } from '../../tools/invariants/read-sale-state';
import { closeUnguardedDb, prepareUnguardedDatabase, UNGUARDED_DB_NAME, unguardedRows } from '../support/controls/unguarded-db';
import { admin, book, bookRetrying503, burst, countByStatus, createEvent, customerBurst, ownerOf, violationsFor } from '../support/sale';
import { closeTestDb, rows, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis, testRedis } from '../support/test-redis';
import { RunningApp, startApp } from '../support/test-app';
import { seatKeys } from '../../src/domain/inventory/seat-keys';
import { STRATEGY_NAMES as SAFE } from '../../src/domain/inventory/strategies/strategy-name';
import { BATCH_MODES, BatchMode, batchCounters, batchesSince } from '../support/batching';
import { metricsScraper } from '../support/metrics-scraper';

/** Seats given back after a failed write (compensation), from the app's /metrics. */
async function seatsReturned(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: metricsScraper })).text();
  return Number(/seatguard_seats_returned_total\{reason="compensation"\} (\d+)/.exec(text)?.[1] ?? 0);
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
          await sleep(3);
        }
      })();
      // Six waves of 100 buyers, each let go only after one more switch has landed: the sale and the switches
      // interleave however slow the machine is (the switcher's few ms are not what makes the race happen).
      const afterSwitches = async (n: number) => {
        while (switches < n && !done) await sleep(1);
      };
      const answers = await burst(600, async (i) => {
        await afterSwitches(Math.floor(i / 100));
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

  describe('proof 5 (control group), on a database without the tickets guards', () => {
    let control: RunningApp;
    beforeAll(async () => {
      await prepareUnguardedDatabase();
      control = await startApp({ UNSAFE_DELAY_MS: '20', DB_NAME: UNGUARDED_DB_NAME, UNSAFE_INSERT: 'call' }, { testControls: true });
    });
    afterAll(async () => {
      await control.close();
      await closeUnguardedDb();
    });

    it('the unsafe strategy, booking through the same CALL insert_booking as the app, oversells: tickets > capacity, and the checks catch it', async () => {
      const event = await createEvent(control.url, { capacity: 100, strategy: 'unsafe' });
      const answers = await burst(300, () => book(control.url, event.id, 1));
      const stored = await readSaleState(unguardedRows, event.id, testRedis());
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
  });

  it('proof 6: 25 concurrent requests with one Idempotency-Key make one booking and 25 identical answers', async () => {
    const event = await createEvent(app.url, { capacity: 10, strategy: 'pessimistic' });
    const headers = { 'Idempotency-Key': `order-${event.id}-abcdefghijkl` };
    const answers = await burst(25, () => book(app.url, event.id, 2, headers, 'same@example.com'));
    expect(answers[0].status).toBe(201);
    for (const a of answers) expect(a).toEqual(answers[0]);
    const stored = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM bookings WHERE event_id = ?', [event.id]);
    expect(Number(stored[0].n)).toBe(1);
    const replay = await book(app.url, event.id, 2, headers, 'same@example.com');
    expect(replay).toEqual(answers[0]);
    const different = await book(app.url, event.id, 3, headers, 'same@example.com');
    expect(different.status).toBe(422);
    expect(different.body?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await violationsFor(event.id, 10, [answers[0]], false)).toEqual([]);
  });

  it('proof 7: cancelled seats go back on sale and are sold again, never beyond capacity', async () => {
    const event = await createEvent(app.url, { capacity: 10, strategy: 'optimistic' });
    const firstSale = await burst(15, () => book(app.url, event.id, 1));
    expect(countByStatus(firstSale)).toEqual({ 201: 10, 409: 5 });
    const toCancel = firstSale.filter((a) => a.status === 201).slice(0, 3);
    for (const a of toCancel) {
      const res = await fetch(`${app.url}/api/v1/bookings/${a.body?.reference}`, { method: 'DELETE', headers: ownerOf(a) });
      expect(res.status).toBe(200);
      expect((await res.json()).status).toBe('cancelled');
    }
    const again = await fetch(`${app.url}/api/v1/bookings/${toCancel[0].body?.reference}`, {
      method: 'DELETE',
      headers: ownerOf(toCancel[0]),
    });
    expect(again.status).toBe(200);
    expect((await (await fetch(`${app.url}/api/v1/events/${event.id}`)).json()).available).toBe(3);
    const resale = await burst(20, () => book(app.url, event.id, 1));
    expect(countByStatus(resale)).toEqual({ 201: 3, 409: 17 });
    const freed = toCancel.flatMap((a) => a.body?.seats ?? []).sort((a, b) => a - b);
    const resold = resale
      .filter((a) => a.status === 201)
      .flatMap((a) => a.body?.seats ?? [])
      .sort((a, b) => a - b);
    expect(resold).toEqual(freed);
    const live: Answer[] = [...firstSale.filter((a) => !toCancel.includes(a)), ...resale];
    expect(await violationsFor(event.id, 10, live, true)).toEqual([]);
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
    await testRedis().del(keys.free, keys.meta, keys.held);
    const next = await book(app.url, event.id, 4);
    expect(next.status).toBe(201);
    expect(next.body?.seats).toEqual([3, 4, 5, 6]);
    expect((await book(app.url, event.id, 1)).status).toBe(409);
  });
});
