import { createHash } from 'node:crypto';
import { AmbiguousCommitError } from '../database/bounded-sql';
import { BookingOutcomeUnknownError, CustomerLimitError, DependencyUnavailableError, InvalidInputError } from '../errors/domain-errors';
import type { Event } from '../events/event.model';
import type { EventsService } from '../events/events.service';
import { Reservation, ReserveRequest, SeatInventory } from '../inventory/seat-inventory';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';
import type { StoredBooking } from './booking.model';
import { BookingsService } from './bookings.service';
import type { IdempotentBookings } from './idempotent-bookings';
import { BookingsRepository, CustomerLimitExceededError, NewBooking } from './persistence/bookings.repository';

const event: Event = {
  id: 7,
  name: 'Gig',
  startsAt: new Date(),
  salesStartAt: null,
  salesEndAt: null,
  capacity: 10,
  priceCents: 0,
  strategy: 'atomic',
  maxPerCustomer: null,
  checkoutHoldTtlMs: null,
  cancelledAt: null,
  createdAt: new Date(),
  updatedAt: new Date(),
};

/** Hands out the seats it is told to, like a pool with plenty free; or says sold out. */
class FakeInventory extends SeatInventory {
  soldOut = false;
  givenBack = 0;
  /** Seats left for later settlement, with their check. */
  inLimbo: { seats: number[]; committed: () => Promise<boolean> }[] = [];
  async reserve<T>(request: ReserveRequest, commit: (seats: number[]) => Promise<T>): Promise<Reservation<T>> {
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
  returnCancelled = () => Promise.resolve();
  freeSeats = () => Promise.resolve(null);
  rebuild = () => Promise.resolve(0);
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
  findByIdempotencyKey = async () => null;
  findById = async () => null;
  confirmHold = async () => 'ended' as const;
  end = async () => null;
  offerNewSeats = async () => [];
  expiredHoldIds = async () => [];
  liveSeatsOf = async () => 0;
  listForEvent = async () => [];
}

function service() {
  const inventory = new FakeInventory();
  const repository = new InMemoryBookings();
  const events = { findForBooking: () => Promise.resolve(event) } as unknown as EventsService;
  const idempotency = {} as IdempotentBookings;
  const config = { deadlineMs: 1000, maxTicketsPerBooking: 10, checkoutHoldTtlMs: 60_000 } as ConstructorParameters<
    typeof BookingsService
  >[5];
  const bookings = new BookingsService(events, inventory, repository, idempotency, new SeatguardMetrics(), config);
  return { bookings, inventory, repository };
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
    if (outcome.kind !== 'booked') throw new Error(`expected booked, got ${outcome.kind}`);
    expect(outcome.booking.status).toBe('held');
    expect(outcome.booking.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 60_000 - 1);
  });

  it.each([
    [{ salesStartAt: new Date(Date.now() + 60_000) }, 'SALE_NOT_OPEN'],
    [{ salesEndAt: new Date(Date.now() - 1) }, 'SALE_CLOSED'],
    [{ cancelledAt: new Date() }, 'EVENT_CANCELLED'],
  ])('refuses outside the sale window before touching the inventory (%p -> %s)', async (change, code) => {
    const { bookings, repository } = service();
    Object.assign(event, change);
    try {
      await expect(bookings.create(event.id, ada)).rejects.toMatchObject({ code, status: 409 });
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
    const { bookings, repository } = service();
    await expect(bookings.create(event.id, { ...ada, quantity: 11 })).rejects.toBeInstanceOf(InvalidInputError);
    expect(repository.rows).toEqual([]);
  });

  it("turns the transaction's customer-limit refusal into 409 CUSTOMER_LIMIT_REACHED, seats given back", async () => {
    const { bookings, inventory, repository } = service();
    repository.failInsert = () => new CustomerLimitExceededError();
    await expect(bookings.create(event.id, ada)).rejects.toBeInstanceOf(CustomerLimitError);
    expect(inventory.givenBack).toBe(2);
  });

  it('a lost COMMIT answer that MySQL did commit is a booking', async () => {
    const { bookings, inventory, repository } = service();
    repository.failInsert = () => new AmbiguousCommitError(new Error('connection lost'));
    repository.commitBeforeFailing = true;
    const outcome = await bookings.create(event.id, ada);
    expect(outcome.kind).toBe('booked');
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
});
