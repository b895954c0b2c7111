import type { SqlTransaction } from '../../platform/database/bounded-sql';
import { CapacityBelowSoldError, ChangeOutcomeUnknownError, InvalidInputError } from '../../shared/errors/domain-errors';
import type { EventCache } from '../events/event-cache';
import type { Event, EventChanges, SeatCounts } from '../events/event.model';
import { EventsService } from '../events/events.service';
import { ChangeHook, EventsRepository } from '../events/persistence/events.repository';
import type { SeatInventory } from '../inventory/seat-inventory';
import type { BookingsRepository } from '../bookings/persistence/bookings.repository';
import { anEvent } from '../testing/an-event';
import { EventChangesService } from './event-changes.service';

/**
 * MySQL's events as a map, with the rules the real repository keeps: a change
 * and the work hooked to it commit together or not at all; capacity cannot go
 * below the highest seat held or sold. `loseCommit` makes the next change
 * commit and lose its answer, as a COMMIT MySQL could not be asked about.
 */
class InMemoryEvents implements Partial<EventsRepository> {
  events = new Map<number, Event>();
  counts: SeatCounts = { sold: 3, held: 1 };
  highestSeat = 4;
  loseCommit = false;
  updates = 0;
  readonly tx = { query: () => Promise.reject(new Error('the fake transaction runs no SQL')) } as unknown as SqlTransaction;

  findById = async (id: number) => this.copyOf(id);
  seatCounts = async (ids: number[]) => new Map(ids.map((id) => [id, this.counts]));

  update = async (id: number, changes: EventChanges, alsoInTransaction?: ChangeHook) => {
    this.updates += 1;
    const before = this.copyOf(id);
    if (!before) return null;
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const after: Event = { ...before, ...defined, updatedAt: new Date() };
    if (after.capacity < this.highestSeat) throw new CapacityBelowSoldError(this.highestSeat);
    await alsoInTransaction?.(this.tx, { before, after });
    this.events.set(id, after);
    if (this.loseCommit) throw new ChangeOutcomeUnknownError(id);
    return { before, after: { ...after } };
  };

  cancel = async (id: number) => {
    const event = this.events.get(id);
    if (!event) return null;
    event.cancelledAt ??= new Date();
    return { ...event };
  };

  private copyOf(id: number): Event | null {
    const event = this.events.get(id);
    return event ? { ...event } : null;
  }
}

function subject() {
  const mysql = new InMemoryEvents();
  mysql.events.set(7, anEvent({ salesStartAt: new Date('2027-03-01T10:00:00Z') }));
  const offers: { eventId: number; seats: number[]; ttlMs: number; tx: SqlTransaction | undefined }[] = [];
  const bookings = {
    offerNewSeats: async (eventId: number, seats: number[], ttlMs: number, tx?: SqlTransaction) => {
      offers.push({ eventId, seats, ttlMs, tx });
      return seats;
    },
  } as unknown as BookingsRepository;
  const pool = {
    matched: [] as { eventId: number; capacity: number }[],
    reconciles: [] as { eventId: number; reason: string }[],
    closed: [] as number[],
    matchCapacity: async (eventId: number, capacity: number) => void pool.matched.push({ eventId, capacity }),
    reconcileLater: (eventId: number, reason: string) => void pool.reconciles.push({ eventId, reason }),
    close: async (eventId: number) => void pool.closed.push(eventId),
  };
  const cache = { changed: [] as number[] };
  const eventCache = { changed: async (e: Event) => void cache.changed.push(e.id) } as unknown as EventCache;
  const inventory = pool as unknown as SeatInventory;
  const events = new EventsService(mysql as unknown as EventsRepository, eventCache, inventory);
  const config = { waitlistOfferTtlMs: 120_000 } as ConstructorParameters<typeof EventChangesService>[3];
  return { service: new EventChangesService(events, bookings, inventory, config), mysql, offers, pool, cache };
}

describe('EventChangesService', () => {
  describe('update', () => {
    it('answers the changed event with its seat counts; every instance drops its copy', async () => {
      const { service, mysql, cache, pool } = subject();
      const answer = await service.update(7, { name: 'Gig, moved', startsAt: '2027-07-01T19:00:00.000Z' });
      expect(answer.event).toMatchObject({ id: 7, name: 'Gig, moved', startsAt: new Date('2027-07-01T19:00:00.000Z'), capacity: 10 });
      expect(answer.counts).toEqual(mysql.counts);
      expect(cache.changed).toEqual([7]);
      // No capacity in the change: the pool is left alone.
      expect(pool.matched).toEqual([]);
    });

    it('more capacity: the new seats are offered to the waiting list inside the change, then the pool matches it', async () => {
      const { service, mysql, offers, pool } = subject();
      const answer = await service.update(7, { capacity: 13 });
      expect(offers).toEqual([{ eventId: 7, seats: [11, 12, 13], ttlMs: 120_000, tx: mysql.tx }]);
      expect(pool.matched).toEqual([{ eventId: 7, capacity: 13 }]);
      expect(answer.event.capacity).toBe(13);
    });

    it('less capacity: no seat offered, the pool matches it', async () => {
      const { service, offers, pool } = subject();
      await service.update(7, { capacity: 8 });
      expect(offers.flatMap((o) => o.seats)).toEqual([]);
      expect(pool.matched).toEqual([{ eventId: 7, capacity: 8 }]);
    });

    it('the same capacity again still rebuilds a pool built for another (a repeated PATCH finishes a failed rebuild)', async () => {
      const { service, pool } = subject();
      await service.update(7, { capacity: 10 });
      expect(pool.matched).toEqual([{ eventId: 7, capacity: 10 }]);
    });

    it('an offer that fails takes the change with it: nothing changed, the pool untouched', async () => {
      const { service, mysql, pool } = subject();
      const { bookings } = service as unknown as { bookings: BookingsRepository };
      bookings.offerNewSeats = () => Promise.reject(new Error('lock wait timeout'));
      await expect(service.update(7, { capacity: 13 })).rejects.toThrow('lock wait timeout');
      expect(mysql.events.get(7)!.capacity).toBe(10);
      expect(pool.matched).toEqual([]);
    });

    it('below the highest seat held or sold: 409 CAPACITY_BELOW_SOLD with that seat, nothing changed', async () => {
      const { service, mysql, pool } = subject();
      const refusal = await service.update(7, { capacity: 3 }).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(CapacityBelowSoldError);
      expect(refusal).toMatchObject({ status: 409, details: { highestSeat: 4 } });
      expect(mysql.events.get(7)!.capacity).toBe(10);
      expect(pool.matched).toEqual([]);
    });

    it('a lost COMMIT MySQL could not be asked about: rethrown, the pool reconciled once MySQL answers', async () => {
      const { service, mysql, pool } = subject();
      mysql.loseCommit = true;
      await expect(service.update(7, { capacity: 13 })).rejects.toBeInstanceOf(ChangeOutcomeUnknownError);
      expect(pool.reconciles).toEqual([{ eventId: 7, reason: 'lost-commit' }]);
      expect(pool.matched).toEqual([]);
    });

    it('other failures are rethrown without a reconcile', async () => {
      const { service, pool } = subject();
      const { bookings } = service as unknown as { bookings: BookingsRepository };
      bookings.offerNewSeats = () => Promise.reject(new Error('lock wait timeout'));
      await expect(service.update(7, { capacity: 13 })).rejects.toThrow();
      expect(pool.reconciles).toEqual([]);
    });

    it('a sale window that ends before it starts (with the current start) is 400 INVALID_INPUT, before any write', async () => {
      const { service, mysql } = subject();
      await expect(service.update(7, { salesEndAt: '2027-02-01T00:00:00.000Z' })).rejects.toBeInstanceOf(InvalidInputError);
      expect(mysql.updates).toBe(0);
      // Clearing the start makes the same end valid.
      const answer = await service.update(7, { salesStartAt: null, salesEndAt: '2027-02-01T00:00:00.000Z' });
      expect(answer.event).toMatchObject({ salesStartAt: null, salesEndAt: new Date('2027-02-01T00:00:00.000Z') });
    });

    it('an event that does not exist: 404 EVENT_NOT_FOUND', async () => {
      const { service, pool } = subject();
      await expect(service.update(8, { capacity: 13 })).rejects.toMatchObject({ code: 'EVENT_NOT_FOUND', status: 404 });
      expect(pool.matched).toEqual([]);
    });
  });

  describe('cancel', () => {
    it('cancels in MySQL, closes the pool, drops every copy, and answers the event as MySQL has it now', async () => {
      const { service, pool, cache } = subject();
      const answer = await service.cancel(7);
      expect(answer.event.cancelledAt).toBeInstanceOf(Date);
      expect(answer.counts).toEqual({ sold: 3, held: 1 });
      expect(pool.closed).toEqual([7]);
      expect(cache.changed).toEqual([7]);
    });

    it('a pool that cannot be closed now does not fail the cancel (MySQL refuses anything live already)', async () => {
      const { service, pool } = subject();
      pool.close = () => Promise.reject(new Error('connect ECONNREFUSED'));
      expect((await service.cancel(7)).event.cancelledAt).toBeInstanceOf(Date);
    });

    it('an event that does not exist: 404 EVENT_NOT_FOUND, nothing closed', async () => {
      const { service, pool } = subject();
      await expect(service.cancel(8)).rejects.toMatchObject({ code: 'EVENT_NOT_FOUND' });
      expect(pool.closed).toEqual([]);
    });
  });
});
