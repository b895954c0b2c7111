import { Deadline } from '../../platform/concurrency/deadline';
import {
  CustomerLimitError,
  DeadlineExceededError,
  DependencyUnavailableError,
  IdempotencyKeyReusedError,
  ReplayedRefusalError,
  SaleNotOpenError,
  SoldOutError,
} from '../../shared/errors/domain-errors';
import type { BookingOutcome } from './booking-outcome';
import type { StoredBooking } from './booking.model';
import { IdempotentBookings } from './idempotent-bookings';
import { MapRedis } from '../testing/map-redis';

/** What is stored under the one key a spec uses. */
const entryOf = (redis: MapRedis): Record<string, unknown> | undefined => {
  const [raw] = [...redis.values.values()];
  return raw === undefined ? undefined : (JSON.parse(raw) as Record<string, unknown>);
};

const config = { deadlineMs: 1000, idempotencyTtlSeconds: 60, idempotencyErrorTtlSeconds: 5 } as ConstructorParameters<
  typeof IdempotentBookings
>[1];

const booking = { id: 1, reference: 'bk_aaaaaaaaaaaaaaaaaaaaaa', eventId: 7, seats: [1, 2] } as StoredBooking;
const booked: BookingOutcome = { kind: 'booked', booking, secret: 's3cret' };
const soldOut: BookingOutcome = { kind: 'sold-out', available: 1, requested: 2 };

function subject() {
  const redis = new MapRedis();
  const idempotency = new IdempotentBookings(redis as unknown as ConstructorParameters<typeof IdempotentBookings>[0], config);
  let bookCalls = 0;
  let replayCalls = 0;
  /** Runs the key `k1` for event 7 with request hash `hash`; `book` and `replay` default to a booking and its replay. */
  const run = (
    opts: { hash?: string; book?: () => Promise<BookingOutcome>; replay?: () => Promise<BookingOutcome | null>; deadline?: Deadline } = {},
  ) =>
    idempotency.run(
      7,
      'k1',
      opts.hash ?? 'h1',
      opts.deadline ?? Deadline.in(config.deadlineMs),
      () => ((bookCalls += 1), (opts.book ?? (() => Promise.resolve(booked)))()),
      () => ((replayCalls += 1), (opts.replay ?? (() => Promise.resolve(booked)))()),
    );
  return { redis, run, calls: () => ({ book: bookCalls, replay: replayCalls }) };
}

/** A promise a test settles when it chooses. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Polls until `condition` holds, or fails after a second. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Deadline.in(1000);
  while (!condition()) {
    if (deadline.expired()) throw new Error('condition not met within 1 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('IdempotentBookings', () => {
  describe('claim (no entry under the key)', () => {
    it('claims the key with SET NX for the deadline plus 2 s, under the event hash tag, while the first request books', async () => {
      const { redis, run } = subject();
      const gate = deferred<BookingOutcome>();
      const first = run({ book: () => gate.promise });
      await until(() => redis.values.size === 1);
      expect([...redis.values.keys()]).toEqual(['{event:7}:idem:k1']);
      expect(entryOf(redis)).toMatchObject({ state: 'pending', hash: 'h1', owner: expect.any(String) });
      expect(redis.ttls.get('{event:7}:idem:k1')).toBe(config.deadlineMs + 2000);
      gate.resolve(booked);
      await first;
    });
  });

  describe('pending → booked', () => {
    it('stores only a marker (no booking, no secret) for IDEMPOTENCY_TTL_SECONDS, and answers the outcome', async () => {
      const { redis, run } = subject();
      expect(await run()).toBe(booked);
      expect(entryOf(redis)).toEqual({ state: 'booked', hash: 'h1' });
      expect(redis.ttls.get('{event:7}:idem:k1')).toBe(60_000);
    });

    it('a replay rebuilds the booking from MySQL and does not book again', async () => {
      const { run, calls } = subject();
      await run();
      const replayed: BookingOutcome = { ...booked, booking: { ...booking, status: 'cancelled' } };
      expect(await run({ replay: () => Promise.resolve(replayed) })).toBe(replayed);
      expect(calls()).toEqual({ book: 1, replay: 1 });
    });

    it('a booked marker MySQL knows nothing of is dropped, and the key books afresh', async () => {
      const { redis, run, calls } = subject();
      await run();
      const again: BookingOutcome = { ...booked, secret: 'other' };
      expect(await run({ replay: () => Promise.resolve(null), book: () => Promise.resolve(again) })).toBe(again);
      expect(calls()).toEqual({ book: 2, replay: 1 });
      expect(entryOf(redis)).toEqual({ state: 'booked', hash: 'h1' });
    });

    it('an answer Redis fails to store is still answered (best effort: the next replay asks MySQL)', async () => {
      const { redis, run } = subject();
      redis.failAnswerSet = true;
      expect(await run()).toBe(booked);
      // The claim is left to expire: a replay meanwhile waits for it, then asks MySQL.
      expect(entryOf(redis)).toMatchObject({ state: 'pending' });
    });
  });

  describe('pending → sold-out', () => {
    it('stores the sold-out answer for IDEMPOTENCY_ERROR_TTL_SECONDS and replays it without booking', async () => {
      const { redis, run, calls } = subject();
      expect(await run({ book: () => Promise.resolve(soldOut) })).toBe(soldOut);
      expect(entryOf(redis)).toEqual({ state: 'sold-out', hash: 'h1', available: 1, requested: 2 });
      expect(redis.ttls.get('{event:7}:idem:k1')).toBe(5_000);
      expect(await run()).toEqual(soldOut);
      expect(calls()).toEqual({ book: 1, replay: 0 });
    });

    it('once the error TTL has passed, the key may try again', async () => {
      const { redis, run, calls } = subject();
      await run({ book: () => Promise.resolve(soldOut) });
      redis.values.clear();
      expect(await run()).toBe(booked);
      expect(calls().book).toBe(2);
    });
  });

  describe('pending → refused', () => {
    it('stores a 4xx refusal (code, status, message, details) for the error TTL and replays it as the same refusal', async () => {
      const { redis, run, calls } = subject();
      const refusal = new SoldOutError(0, 2);
      await expect(run({ book: () => Promise.reject(refusal) })).rejects.toBe(refusal);
      expect(entryOf(redis)).toEqual({
        state: 'refused',
        hash: 'h1',
        code: 'SOLD_OUT',
        status: 409,
        message: refusal.message,
        details: { available: 0, requested: 2 },
      });
      expect(redis.ttls.get('{event:7}:idem:k1')).toBe(5_000);
      const replay = await run().catch((e: unknown) => e);
      expect(replay).toBeInstanceOf(ReplayedRefusalError);
      expect(replay).toMatchObject({ code: 'SOLD_OUT', status: 409, message: refusal.message, details: { available: 0, requested: 2 } });
      expect(calls()).toEqual({ book: 1, replay: 0 });
    });

    it('a refusal without details replays without them', async () => {
      const { run } = subject();
      await expect(run({ book: () => Promise.reject(new CustomerLimitError(4)) })).rejects.toBeInstanceOf(CustomerLimitError);
      await expect(run()).rejects.toMatchObject({ code: 'CUSTOMER_LIMIT_REACHED', status: 409, details: undefined });
    });
  });

  describe('pending → released (nothing stored; the key may try again at once)', () => {
    it.each([
      ['a driver error (not a DomainError)', () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
      ['a 503', () => new DependencyUnavailableError('mysql')],
      ['IDEMPOTENCY_KEY_REUSED from the use case (another body committed under the key)', () => new IdempotencyKeyReusedError()],
      ['a refusal that says when to try again (SALE_NOT_OPEN)', () => new SaleNotOpenError(new Date(Date.now() + 60_000), Date.now())],
    ])('%s: rethrown, the claim freed, the next request books', async (_what, failure) => {
      const { redis, run, calls } = subject();
      const error = failure();
      await expect(run({ book: () => Promise.reject(error) })).rejects.toBe(error);
      expect(redis.values.size).toBe(0);
      expect(await run()).toBe(booked);
      expect(calls().book).toBe(2);
    });

    it('frees only its own claim: a newer claim taken after the first expired stays', async () => {
      const { redis, run } = subject();
      const newer = JSON.stringify({ state: 'pending', hash: 'h1', owner: 'someone-else' });
      const book = () => {
        // The first claim expired mid-booking and another request claimed the key.
        redis.values.set('{event:7}:idem:k1', newer);
        return Promise.reject(new Error('read ECONNRESET'));
      };
      await expect(run({ book })).rejects.toThrow('ECONNRESET');
      expect(redis.values.get('{event:7}:idem:k1')).toBe(newer);
    });
  });

  describe('a request that finds the key claimed', () => {
    it('waits for the first answer and gets it, without booking', async () => {
      const { redis, run, calls } = subject();
      const gate = deferred<BookingOutcome>();
      const first = run({ book: () => gate.promise });
      await until(() => redis.values.size === 1);
      const second = run();
      gate.resolve(booked);
      expect(await first).toBe(booked);
      expect(await second).toBe(booked);
      expect(calls()).toEqual({ book: 1, replay: 1 });
    });

    it('waits, and books itself when the first request failed and freed the key', async () => {
      const { redis, run, calls } = subject();
      const gate = deferred<BookingOutcome>();
      const first = run({ book: () => gate.promise });
      await until(() => redis.values.size === 1);
      const second = run();
      gate.reject(new DependencyUnavailableError('redis'));
      await expect(first).rejects.toBeInstanceOf(DependencyUnavailableError);
      expect(await second).toBe(booked);
      expect(calls()).toEqual({ book: 2, replay: 0 });
    });

    it('another body under a pending key is refused at once (422), the claim untouched', async () => {
      const { redis, run } = subject();
      const gate = deferred<BookingOutcome>();
      const first = run({ book: () => gate.promise });
      await until(() => redis.values.size === 1);
      const claim = redis.values.get('{event:7}:idem:k1');
      await expect(run({ hash: 'h2' })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      expect(redis.values.get('{event:7}:idem:k1')).toBe(claim);
      gate.resolve(booked);
      await first;
    });

    it.each([
      ['booked', () => Promise.resolve(booked)],
      ['sold out', () => Promise.resolve(soldOut)],
      ['refused', () => Promise.reject(new CustomerLimitError(4))],
    ])('another body under a %s key is refused (422), the stored answer untouched', async (_state, book) => {
      const { redis, run } = subject();
      await run({ book }).catch(() => undefined);
      const stored = redis.values.get('{event:7}:idem:k1');
      await expect(run({ hash: 'h2' })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      expect(redis.values.get('{event:7}:idem:k1')).toBe(stored);
    });

    it('gives up at its deadline with 503 DEADLINE_EXCEEDED while the first request still runs', async () => {
      const { redis, run, calls } = subject();
      redis.values.set('{event:7}:idem:k1', JSON.stringify({ state: 'pending', hash: 'h1', owner: 'first' }));
      const failure = await run({ deadline: Deadline.in(0) }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(DeadlineExceededError);
      expect(failure).toMatchObject({ status: 503 });
      expect(calls()).toEqual({ book: 0, replay: 0 });
    });
  });
});
