import { EventCancelledRefusal } from './persistence/cancelled-event-refusal';
import { createHash } from 'node:crypto';
import { AmbiguousCommitError } from '../../platform/database/bounded-sql';
import {
  BookingOutcomeUnknownError,
  CustomerLimitError,
  DependencyUnavailableError,
  InvalidInputError,
} from '../../shared/errors/domain-errors';
import type { Event } from '../events/event.model';
import type { EventsService } from '../events/events.service';
import { Reservation, ReserveRequest, SeatInventory } from '../inventory/seat-inventory';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import type { BookingBatcher } from './batching/booking-batcher';
import type { StoredBooking } from './booking.model';
import { secretFor } from './booking-credentials';
import { BookingsService } from './bookings.service';
import { IdempotentBookings } from './idempotent-bookings';
import { anEvent } from '../testing/an-event';
import { MapRedis } from '../testing/map-redis';
import {
  BookingsRepository,
  CustomerLimitExceededError,
  DuplicateIdempotencyKeyError,
  NewBooking,
} from './persistence/bookings.repository';

const event: Event = anEvent();

/** Hands out the seats it is told to, like a pool with plenty free; or says sold out. */
class FakeInventory extends SeatInventory {
  soldOut = false;
  givenBack = 0;
  /** Seats left for later settlement, with their check. */
  inLimbo: { seats: number[]; committed: () => Promise<boolean> }[] = [];
  /** Every call, sold out or not: "before touching the inventory" means this stays 0. */
  reserveCalls = 0;
  async reserve<T>(request: ReserveRequest, commit: (seats: number[]) => Promise<T>): Promise<Reservation<T>> {
    this.reserveCalls += 1;
    if (this.soldOut) return { kind: 'sold-out', available: 0 };
    const seats = Array.from({ length: request.quantity }, (_, i) => i + 1);
    try {
      return { kind: 'committed', value: await commit(seats) };
    } catch (error) {
      if (!(error as { seatsMayBeSold?: boolean }).seatsMayBeSold) this.givenBack += seats.length;
      throw error;
    }
  }
  settleLater = (_eventId: number, seats: number[], committed: () => Promise<boolean>) => void this.inLimbo.push({ seats, committed });
  reconcileLater = () => undefined;
  assertSoldOut = () => Promise.resolve();
  returnCancelled = () => Promise.resolve();
  freeSeats = () => Promise.resolve(null);
  rebuild = () => Promise.resolve(0);
  matchCapacity = () => Promise.resolve();
  close = () => Promise.resolve();
  assertKnownStrategy = () => undefined;
}

/** MySQL as a list; `failInsert` makes the next insert fail the way MySQL would. */
class InMemoryBookings extends BookingsRepository {
  rows: StoredBooking[] = [];
  failInsert: ((b: NewBooking) => Error) | null = null;
  commitBeforeFailing = false;
  /** MySQL cannot be asked what became of a lost COMMIT. */
  unreachable = false;
  async insert(b: NewBooking): Promise<StoredBooking> {
    const row: StoredBooking = {
      ...b,
      id: this.rows.length + 1,
      status: b.holdUntil ? 'held' : 'confirmed',
      expiresAt: b.holdUntil,
      createdAt: new Date(),
      cancelledAt: null,
    };
    if (this.failInsert) {
      if (this.commitBeforeFailing) this.rows.push(row);
      throw this.failInsert(b);
    }
    this.rows.push(row);
    return row;
  }
  findByReference = async (reference: string) => this.rows.find((r) => r.reference === reference) ?? null;
  settleInsert = async (reference: string) => {
    if (this.unreachable) throw new Error('connect ECONNREFUSED');
    return this.findByReference(reference);
  };
  findByIdempotencyKey = async (eventId: number, keyHash: string) =>
    this.rows.find((r) => r.eventId === eventId && (r as Partial<NewBooking>).idempotencyKeyHash === keyHash) ?? null;
  findById = async () => null;
  confirmHold = async () => 'ended' as const;
  end = async () => null;
  leaveWaitlist = async () => null;
  offerNewSeats = async () => [];
  expiredHoldIds = async () => [];
  liveSeatsOf = async () => 0;
  listForEvent = async () => [];
}

function service() {
  const inventory = new FakeInventory();
  const repository = new InMemoryBookings();
  const events = { findForBooking: () => Promise.resolve(event) } as unknown as EventsService;
  const config = {
    deadlineMs: 1000,
    maxTicketsPerBooking: 10,
    checkoutHoldTtlMs: 60_000,
    idempotencyTtlSeconds: 60,
    idempotencyErrorTtlSeconds: 5,
  } as ConstructorParameters<typeof BookingsService>[5];
  const redis = new MapRedis();
  const idempotency = new IdempotentBookings(redis as unknown as ConstructorParameters<typeof IdempotentBookings>[0], config);
  // Batching off (BOOKING_BATCH_MAX=1): the one-at-a-time path this spec is about.
  const batcher = { enabled: false } as BookingBatcher;
  const bookings = new BookingsService(events, inventory, repository, idempotency, new SeatguardMetrics(), config, batcher);
  return { bookings, inventory, repository, redis };
}

const ada = { customerEmail: 'ada@example.com', quantity: 2 };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('BookingsService', () => {
  it('books: the outcome carries the booking and a secret whose hash alone is stored', async () => {
    const { bookings, repository } = service();
    const outcome = await bookings.create(event.id, ada);
    if (outcome.kind !== 'booked') throw new Error(`expected booked, got ${outcome.kind}`);
    expect(outcome.booking).toMatchObject({ eventId: 7, seats: [1, 2], customerEmail: 'ada@example.com' });
    expect(outcome.booking.reference).toMatch(/^bk_/);
    expect(repository.rows[0].secretHash).toBe(sha256(outcome.secret!));
  });

  it('holds: status held until now + the hold time, the same seats path', async () => {
    const { bookings } = service();
    const before = Date.now();
    const outcome = await bookings.create(event.id, ada, undefined, 'hold');
    const after = Date.now();
    if (outcome.kind !== 'booked') throw new Error(`expected booked, got ${outcome.kind}`);
    expect(outcome.booking.status).toBe('held');
    expect(outcome.booking.seats).toEqual([1, 2]);
    // Bounded on both sides: the hold time (60 s), from the moment of the booking, not a default or a multiple of it.
    expect(outcome.booking.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 60_000 - 1);
    expect(outcome.booking.expiresAt!.getTime()).toBeLessThanOrEqual(after + 60_000);
  });

  it.each([
    [{ salesStartAt: new Date(Date.now() + 60_000) }, 'SALE_NOT_OPEN'],
    [{ salesEndAt: new Date(Date.now() - 1) }, 'SALE_CLOSED'],
    [{ cancelledAt: new Date() }, 'EVENT_CANCELLED'],
  ])('refuses outside the sale window before touching the inventory (%p -> %s)', async (change, code) => {
    const { bookings, inventory, repository } = service();
    Object.assign(event, change);
    try {
      await expect(bookings.create(event.id, ada)).rejects.toMatchObject({ code, status: 409 });
      expect(inventory.reserveCalls).toBe(0);
      expect(repository.rows).toEqual([]);
    } finally {
      Object.assign(event, { salesStartAt: null, salesEndAt: null, cancelledAt: null });
    }
  });

  it('answers sold out as an outcome, not an error', async () => {
    const { bookings, inventory } = service();
    inventory.soldOut = true;
    expect(await bookings.create(event.id, ada)).toEqual({ kind: 'sold-out', available: 0, requested: 2 });
  });

  it('refuses more seats than MAX_TICKETS_PER_BOOKING before touching the inventory', async () => {
    const { bookings, inventory, repository } = service();
    await expect(bookings.create(event.id, { ...ada, quantity: 11 })).rejects.toBeInstanceOf(InvalidInputError);
    expect(inventory.reserveCalls).toBe(0);
    expect(repository.rows).toEqual([]);
  });

  it("turns the transaction's customer-limit refusal into 409 CUSTOMER_LIMIT_REACHED, seats given back", async () => {
    const { bookings, inventory, repository } = service();
    repository.failInsert = () => new CustomerLimitExceededError();
    await expect(bookings.create(event.id, ada)).rejects.toBeInstanceOf(CustomerLimitError);
    expect(inventory.givenBack).toBe(2);
  });

  it("turns MySQL's cancelled-event refusal into 409 EVENT_CANCELLED, seats given back, nothing stored", async () => {
    const { bookings, inventory, repository } = service();
    repository.failInsert = () => new EventCancelledRefusal();
    await expect(bookings.create(event.id, ada)).rejects.toMatchObject({ code: 'EVENT_CANCELLED', status: 409 });
    expect(inventory.givenBack).toBe(2);
    expect(repository.rows).toEqual([]);
  });

  it('a lost COMMIT answer that MySQL did commit is a booking', async () => {
    const { bookings, inventory, repository } = service();
    repository.failInsert = () => new AmbiguousCommitError(new Error('connection lost'));
    repository.commitBeforeFailing = true;
    const outcome = await bookings.create(event.id, ada);
    if (outcome.kind !== 'booked') throw new Error(`expected booked, got ${outcome.kind}`);
    // The answer is what MySQL committed (found by its reference), with the secret whose hash it stored.
    expect(repository.rows).toHaveLength(1);
    expect(outcome.booking).toBe(repository.rows[0]);
    expect(repository.rows[0].secretHash).toBe(sha256(outcome.secret!));
    expect(inventory.givenBack).toBe(0);
  });

  it('a lost COMMIT answer MySQL says it did not commit is a definite 503 MYSQL_UNAVAILABLE, seats given back at once', async () => {
    const { bookings, inventory, repository } = service();
    repository.failInsert = () => new AmbiguousCommitError(new Error('connection lost'));
    await expect(bookings.create(event.id, ada)).rejects.toMatchObject({ status: 503, code: 'MYSQL_UNAVAILABLE' });
    expect({ givenBack: inventory.givenBack, inLimbo: inventory.inLimbo.length }).toEqual({ givenBack: 2, inLimbo: 0 });
  });

  it('a lost COMMIT answer MySQL cannot be asked about is 503 BOOKING_OUTCOME_UNKNOWN, seats in limbo, settled once MySQL answers', async () => {
    const { bookings, inventory, repository } = service();
    repository.failInsert = () => new AmbiguousCommitError(new Error('connection lost'));
    repository.unreachable = true;
    await expect(bookings.create(event.id, ada)).rejects.toBeInstanceOf(BookingOutcomeUnknownError);
    expect(inventory.givenBack).toBe(0);
    expect(inventory.inLimbo.map((l) => l.seats)).toEqual([[1, 2]]);
    await expect(inventory.inLimbo[0].committed()).rejects.toThrow('ECONNREFUSED');
    repository.unreachable = false;
    expect(await inventory.inLimbo[0].committed()).toBe(false);
  });

  it('translates a driver error into a 503 with a code, seats given back', async () => {
    const { bookings, inventory, repository } = service();
    repository.failInsert = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', fatal: true });
    const failure = await bookings.create(event.id, ada).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect(failure).toMatchObject({ status: 503, code: 'MYSQL_UNAVAILABLE' });
    expect(inventory.givenBack).toBe(2);
  });

  describe('with an Idempotency-Key (IdempotentBookings around the use case)', () => {
    it('books once: a replay answers the same booking and secret without touching the inventory again', async () => {
      const { bookings, inventory, repository } = service();
      const first = await bookings.create(event.id, ada, 'key-1');
      const again = await bookings.create(event.id, ada, 'key-1');
      if (first.kind !== 'booked' || again.kind !== 'booked') throw new Error('expected two booked outcomes');
      expect(inventory.reserveCalls).toBe(1);
      expect(repository.rows).toHaveLength(1);
      expect(again.booking.reference).toBe(first.booking.reference);
      expect(again.secret).toBe(first.secret);
      expect(repository.rows[0].secretHash).toBe(sha256(first.secret!));
    });

    it('concurrent requests with one key: one booking, every one answered with it (the Redis claim serialises them)', async () => {
      const { bookings, inventory, repository } = service();
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => bookings.create(event.id, ada, 'key-c')));
      expect(inventory.reserveCalls).toBe(1);
      expect(repository.rows).toHaveLength(1);
      for (const o of outcomes) expect(o).toMatchObject({ kind: 'booked', booking: { reference: repository.rows[0].reference } });
    });

    it('replays a SOLD_OUT answer for the error TTL without asking the inventory again', async () => {
      const { bookings, inventory } = service();
      inventory.soldOut = true;
      expect(await bookings.create(event.id, ada, 'key-s')).toEqual({ kind: 'sold-out', available: 0, requested: 2 });
      inventory.soldOut = false;
      expect(await bookings.create(event.id, ada, 'key-s')).toEqual({ kind: 'sold-out', available: 0, requested: 2 });
      expect(inventory.reserveCalls).toBe(1);
    });

    it('replays from MySQL when Redis has forgotten the key', async () => {
      const { bookings, inventory, redis } = service();
      const first = await bookings.create(event.id, ada, 'key-2');
      redis.values.clear();
      const again = await bookings.create(event.id, ada, 'key-2');
      if (first.kind !== 'booked' || again.kind !== 'booked') throw new Error('expected two booked outcomes');
      expect(inventory.reserveCalls).toBe(1);
      expect(again.booking.reference).toBe(first.booking.reference);
      expect(again.secret).toBe(first.secret);
    });

    it('refuses the same key with a different body: 422 IDEMPOTENCY_KEY_REUSED, nothing more booked', async () => {
      const { bookings, inventory, repository } = service();
      await bookings.create(event.id, ada, 'key-3');
      await expect(bookings.create(event.id, { ...ada, quantity: 3 }, 'key-3')).rejects.toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        status: 422,
      });
      expect(inventory.reserveCalls).toBe(1);
      expect(repository.rows).toHaveLength(1);
    });

    it('different keys are different bookings', async () => {
      const { bookings, repository } = service();
      await bookings.create(event.id, ada, 'key-4');
      await bookings.create(event.id, ada, 'key-5');
      expect(repository.rows).toHaveLength(2);
    });

    it("DuplicateIdempotencyKeyError: a concurrent request with the key committed first; the loser gives its seats back and answers the winner's booking", async () => {
      const { bookings, inventory, repository } = service();
      let winner: StoredBooking | undefined;
      repository.failInsert = (b) => {
        // The winner (another instance, past this one's Redis claim) committed the same key and body a moment ago.
        const reference = 'bk_winnerwinnerwinner0001';
        const secret = secretFor(reference, { key: 'key-6', requestHash: b.requestHash! });
        winner = {
          ...b,
          reference,
          seats: [5, 6],
          secretHash: sha256(secret),
          id: 99,
          status: 'confirmed',
          expiresAt: null,
          createdAt: new Date(),
          cancelledAt: null,
        };
        repository.rows.push(winner);
        return new DuplicateIdempotencyKeyError();
      };
      const outcome = await bookings.create(event.id, ada, 'key-6');
      if (outcome.kind !== 'booked') throw new Error(`expected booked, got ${outcome.kind}`);
      expect(outcome.booking).toBe(winner);
      expect(sha256(outcome.secret!)).toBe(winner!.secretHash);
      expect(inventory.givenBack).toBe(2);
    });

    it('DuplicateIdempotencyKeyError with a different body under the key: 422, seats given back', async () => {
      const { bookings, inventory, repository } = service();
      repository.failInsert = (b) => {
        repository.rows.push({
          ...b,
          requestHash: 'another-body',
          reference: 'bk_otherotherotherother01',
          id: 98,
          status: 'confirmed',
          expiresAt: null,
          createdAt: new Date(),
          cancelledAt: null,
        });
        return new DuplicateIdempotencyKeyError();
      };
      await expect(bookings.create(event.id, ada, 'key-7')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(inventory.givenBack).toBe(2);
    });
  });
});
