import { InvalidInputError } from '../../shared/errors/domain-errors';
import type { EventCache } from '../events/event-cache';
import type { Event } from '../events/event.model';
import { EventsService } from '../events/events.service';
import type { EventsRepository } from '../events/persistence/events.repository';
import type { SeatInventory } from '../inventory/seat-inventory';
import { sha256Hex } from '../../shared/credentials';
import type { StoredBooking } from '../bookings/booking.model';
import { OwnedBookingsService } from '../bookings/owned-bookings.service';
import type { BookingsRepository, EndedBooking, WaitlistEntryRef } from '../bookings/persistence/bookings.repository';
import { anEvent } from '../testing/an-event';
import { JoinRefusal, NewWaitlistEntry, WaitlistEntry, WaitlistRepository } from './waitlist-entry';
import { WAITLIST_REFERENCE_FORMAT, WaitlistService } from './waitlist.service';

const MAX_ENTRIES = 3;

/**
 * MySQL's waiting list and bookings as lists, with the rules the real
 * repositories keep: one live entry per customer, at most `maxEntries` live
 * entries, none for a cancelled event; leaving releases the offered hold
 * unless it was confirmed first (then the entry stays `fulfilled`).
 */
class InMemoryMysql {
  entries: WaitlistEntry[] = [];
  bookings: StoredBooking[] = [];
  eventCancelled = false;
  /** Seats each customer has booked, held or been offered, as liveSeatsOf counts them. */
  liveSeats = new Map<string, number>();
  liveSeatsAsked = 0;
  lookups = 0;
  maxEntriesAsked: number[] = [];

  readonly waitlist: WaitlistRepository = {
    join: async (e: NewWaitlistEntry, maxEntries: number): Promise<WaitlistEntry | JoinRefusal> => {
      this.maxEntriesAsked.push(maxEntries);
      const live = this.entries.filter((x) => x.eventId === e.eventId && (x.status === 'waiting' || x.status === 'offered'));
      if (this.eventCancelled) return 'event-cancelled';
      if (live.some((x) => x.customerEmail === e.customerEmail)) return 'already-joined';
      if (live.length >= maxEntries) return 'full';
      const entry: WaitlistEntry = { ...e, id: this.entries.length + 1, status: 'waiting', offerBookingId: null, createdAt: new Date() };
      this.entries.push(entry);
      return { ...entry };
    },
    findByReference: async (reference: string) => {
      this.lookups += 1;
      const entry = this.entries.find((x) => x.reference === reference);
      return entry ? { ...entry } : null;
    },
    positionOf: async (entry: WaitlistEntry) =>
      entry.status !== 'waiting'
        ? null
        : this.entries.filter((x) => x.eventId === entry.eventId && x.status === 'waiting' && x.id <= entry.id).length,
    findById: async (id: number) => ({ ...this.entries.find((x) => x.id === id)! }),
  };

  readonly bookingsRepository = {
    liveSeatsOf: async (_eventId: number, customerEmail: string) => {
      this.liveSeatsAsked += 1;
      return this.liveSeats.get(customerEmail) ?? 0;
    },
    findById: async (id: number) => this.bookings.find((b) => b.id === id) ?? null,
    leaveWaitlist: async (ref: WaitlistEntryRef): Promise<EndedBooking | null> => {
      const entry = this.entries.find((x) => x.id === ref.id)!;
      if (entry.status !== 'waiting' && entry.status !== 'offered') return null;
      entry.status = 'left';
      const offer = this.bookings.find((b) => b.id === entry.offerBookingId);
      if (!offer || offer.status !== 'held') return null;
      offer.status = 'released';
      return { booking: offer, seatsFreed: offer.seats };
    },
  } as unknown as BookingsRepository;

  /** An entry offered a hold of `seats` (status offered), as a return of seats does. */
  offer(entry: WaitlistEntry, seats: number[]): StoredBooking {
    const hold = {
      id: 100 + this.bookings.length,
      reference: `bk_offer${String(this.bookings.length).padStart(17, '0')}`,
      eventId: entry.eventId,
      seats,
      status: 'held',
      expiresAt: new Date('2027-01-01T12:02:00Z'),
    } as StoredBooking;
    this.bookings.push(hold);
    Object.assign(
      this.entries.find((x) => x.id === entry.id)!,
      { status: 'offered', offerBookingId: hold.id },
    );
    return hold;
  }
}

function subject(event: Partial<Event> = {}) {
  const mysql = new InMemoryMysql();
  const pool = {
    free: 0 as number | null,
    returned: [] as number[],
    freeSeats: async () => pool.free,
    returnCancelled: async (_eventId: number, seats: number[]) => void pool.returned.push(...seats),
    reconcileLater: () => undefined,
  };
  const inventory = pool as unknown as SeatInventory;
  const cache = { get: async (id: number) => (id === 7 ? anEvent(event) : null) } as unknown as EventCache;
  const events = new EventsService({} as EventsRepository, cache, inventory);
  const config = {
    maxTicketsPerBooking: 4,
    waitlistMaxEntriesPerEvent: MAX_ENTRIES,
    waitlistOfferTtlMs: 120_000,
  } as ConstructorParameters<typeof WaitlistService>[5];
  const owned = new OwnedBookingsService(mysql.bookingsRepository, {} as EventsRepository, inventory, config);
  const service = new WaitlistService(mysql.waitlist, mysql.bookingsRepository, owned, events, inventory, config);
  return { service, mysql, pool };
}

const admin = { admin: true as const };
const stranger = { admin: false as const, secret: 'not-the-secret' };
const ownerOf = (secret: string | null) => ({ admin: false as const, secret: secret ?? undefined });

describe('WaitlistService', () => {
  describe('join', () => {
    it('a sold-out event: a waiting entry with a reference, a secret whose hash alone is stored, and its place', async () => {
      const { service, mysql } = subject();
      const joined = await service.join(7, 'ada@example.com', 2);
      expect(joined.entry).toMatchObject({ eventId: 7, customerEmail: 'ada@example.com', quantity: 2, status: 'waiting' });
      expect(joined.entry.reference).toMatch(WAITLIST_REFERENCE_FORMAT);
      expect(joined.secret).toEqual(expect.any(String));
      expect(mysql.entries[0].secretHash).toBe(sha256Hex(joined.secret!));
      expect({ position: joined.position, offer: joined.offer }).toEqual({ position: 1, offer: null });
      expect(mysql.maxEntriesAsked).toEqual([MAX_ENTRIES]);
      expect((await service.join(7, 'bob@example.com', 1)).position).toBe(2);
    });

    it('joins while fewer seats are free than it asks for, and when the pool is missing', async () => {
      const { service, pool } = subject();
      pool.free = 1;
      expect((await service.join(7, 'ada@example.com', 2)).entry.status).toBe('waiting');
      pool.free = null;
      expect((await service.join(7, 'bob@example.com', 2)).entry.status).toBe('waiting');
    });

    it('refuses while enough seats are on sale: 409 SEATS_AVAILABLE with how many', async () => {
      const { service, pool, mysql } = subject();
      pool.free = 2;
      await expect(service.join(7, 'ada@example.com', 2)).rejects.toMatchObject({ code: 'SEATS_AVAILABLE', details: { available: 2 } });
      expect(mysql.entries).toEqual([]);
    });

    it('refuses more seats than MAX_TICKETS_PER_BOOKING before reading the event', async () => {
      const { service, mysql } = subject();
      await expect(service.join(7, 'ada@example.com', 5)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(service.join(8, 'ada@example.com', 5)).rejects.toBeInstanceOf(InvalidInputError);
      expect(mysql.entries).toEqual([]);
    });

    it('an event that does not exist: 404 EVENT_NOT_FOUND', async () => {
      const { service } = subject();
      await expect(service.join(8, 'ada@example.com', 1)).rejects.toMatchObject({ code: 'EVENT_NOT_FOUND', status: 404 });
    });

    it('a cancelled event: 409 EVENT_CANCELLED, nothing asked of the pool', async () => {
      const { service, pool } = subject({ cancelledAt: new Date() });
      pool.freeSeats = () => Promise.reject(new Error('the pool must not be asked'));
      await expect(service.join(7, 'ada@example.com', 1)).rejects.toMatchObject({ code: 'EVENT_CANCELLED' });
    });

    it('a closed sale: 409 SALE_CLOSED with closedAt', async () => {
      const closedAt = new Date(Date.now() - 1000);
      const { service } = subject({ salesEndAt: closedAt });
      await expect(service.join(7, 'ada@example.com', 1)).rejects.toMatchObject({
        code: 'SALE_CLOSED',
        details: { closedAt: closedAt.toISOString() },
      });
    });

    it('a sale that closes later still takes joins', async () => {
      const { service } = subject({ salesEndAt: new Date(Date.now() + 60_000) });
      expect((await service.join(7, 'ada@example.com', 1)).entry.status).toBe('waiting');
    });

    it("maxPerCustomer counts the customer's live seats plus the entry: over it is 409 CUSTOMER_LIMIT_REACHED, up to it joins", async () => {
      const { service, mysql } = subject({ maxPerCustomer: 4 });
      mysql.liveSeats.set('ada@example.com', 3);
      await expect(service.join(7, 'ada@example.com', 2)).rejects.toMatchObject({ code: 'CUSTOMER_LIMIT_REACHED' });
      expect(mysql.entries).toEqual([]);
      expect((await service.join(7, 'ada@example.com', 1)).entry.status).toBe('waiting');
    });

    it('without maxPerCustomer, live seats are not counted', async () => {
      const { service, mysql } = subject();
      await service.join(7, 'ada@example.com', 4);
      expect(mysql.liveSeatsAsked).toBe(0);
    });

    it("MySQL's refusals: WAITLIST_ALREADY_JOINED, WAITLIST_FULL (with maxEntries), EVENT_CANCELLED", async () => {
      const { service, mysql } = subject();
      await service.join(7, 'ada@example.com', 1);
      await expect(service.join(7, 'ada@example.com', 1)).rejects.toMatchObject({ code: 'WAITLIST_ALREADY_JOINED', status: 409 });
      await service.join(7, 'bob@example.com', 1);
      await service.join(7, 'cy@example.com', 1);
      await expect(service.join(7, 'dee@example.com', 1)).rejects.toMatchObject({
        code: 'WAITLIST_FULL',
        details: { maxEntries: MAX_ENTRIES },
      });
      mysql.eventCancelled = true;
      await expect(service.join(7, 'eve@example.com', 1)).rejects.toMatchObject({ code: 'EVENT_CANCELLED' });
      expect(mysql.entries).toHaveLength(3);
    });
  });

  describe('get', () => {
    it('shows its owner the entry and its place, never the secret again', async () => {
      const { service } = subject();
      await service.join(7, 'ada@example.com', 1);
      const joined = await service.join(7, 'bob@example.com', 1);
      const seen = await service.get(joined.entry.reference, ownerOf(joined.secret));
      expect(seen).toMatchObject({ position: 2, offer: null, secret: null, entry: { reference: joined.entry.reference } });
    });

    it('an offered entry shows its hold and no place in line', async () => {
      const { service, mysql } = subject();
      const joined = await service.join(7, 'ada@example.com', 2);
      const hold = mysql.offer(joined.entry, [3, 4]);
      const seen = await service.get(joined.entry.reference, admin);
      expect(seen).toMatchObject({ position: null, offer: hold, entry: { status: 'offered' } });
    });

    it('a wrong secret gets the same 404 as no entry; a malformed reference is not looked up', async () => {
      const { service, mysql } = subject();
      const joined = await service.join(7, 'ada@example.com', 1);
      await expect(service.get(joined.entry.reference, stranger)).rejects.toMatchObject({ code: 'WAITLIST_ENTRY_NOT_FOUND', status: 404 });
      await expect(service.get(`wl_${'x'.repeat(22)}`, admin)).rejects.toMatchObject({ code: 'WAITLIST_ENTRY_NOT_FOUND' });
      const lookups = mysql.lookups;
      await expect(service.get('bk_not-a-waitlist-reference', admin)).rejects.toMatchObject({ code: 'WAITLIST_ENTRY_NOT_FOUND' });
      expect(mysql.lookups).toBe(lookups);
    });
  });

  describe('leave', () => {
    it('waiting → left: no place any more, the entries behind move up', async () => {
      const { service, pool } = subject();
      const first = await service.join(7, 'ada@example.com', 1);
      const second = await service.join(7, 'bob@example.com', 1);
      expect(await service.leave(first.entry.reference, ownerOf(first.secret))).toMatchObject({
        entry: { status: 'left' },
        position: null,
      });
      expect((await service.get(second.entry.reference, admin)).position).toBe(1);
      expect(pool.returned).toEqual([]);
    });

    it('offered → left: the hold is released and its seats come back', async () => {
      const { service, mysql, pool } = subject();
      const joined = await service.join(7, 'ada@example.com', 2);
      const hold = mysql.offer(joined.entry, [3, 4]);
      const left = await service.leave(joined.entry.reference, ownerOf(joined.secret));
      expect(left).toMatchObject({ entry: { status: 'left' }, offer: { id: hold.id, status: 'released' } });
      expect(pool.returned).toEqual([3, 4]);
    });

    it('an entry whose offer was confirmed first stays fulfilled, its booking kept', async () => {
      const { service, mysql, pool } = subject();
      const joined = await service.join(7, 'ada@example.com', 2);
      const hold = mysql.offer(joined.entry, [3, 4]);
      hold.status = 'confirmed';
      mysql.entries[0].status = 'fulfilled';
      const left = await service.leave(joined.entry.reference, ownerOf(joined.secret));
      expect(left).toMatchObject({ entry: { status: 'fulfilled' }, offer: { status: 'confirmed' } });
      expect(pool.returned).toEqual([]);
    });

    it('a stranger gets 404 and the entry stays', async () => {
      const { service, mysql } = subject();
      const joined = await service.join(7, 'ada@example.com', 1);
      await expect(service.leave(joined.entry.reference, stranger)).rejects.toMatchObject({ code: 'WAITLIST_ENTRY_NOT_FOUND' });
      expect(mysql.entries[0].status).toBe('waiting');
    });
  });
});
