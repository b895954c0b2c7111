import { ChangeOutcomeUnknownError, InvalidInputError } from '../../shared/errors/domain-errors';
import type { Event } from '../events/event.model';
import { EventsRepository } from '../events/persistence/events.repository';
import type { SeatInventory } from '../inventory/seat-inventory';
import { sha256Hex } from '../../shared/credentials';
import type { BookingStatus, StoredBooking } from './booking.model';
import { OwnedBookingsService } from './owned-bookings.service';
import type { BookingEnd, BookingFilter, BookingsRepository, EndedBooking, WaitlistEntryRef } from './persistence/bookings.repository';

const SECRET = 'the-owners-secret';
const ref = (n: number) => `bk_${String(n).padStart(22, '0')}`;

/**
 * MySQL's bookings as a list, with the rules the real repository keeps: an end
 * only ends a live booking (`expired` only a hold whose time is up) and frees
 * its seats less those the waiting list takes (`waitlistTakes` per end); a
 * confirm wins only before the hold's time. `now` is MySQL's clock.
 */
class InMemoryBookings implements Partial<BookingsRepository> {
  rows: StoredBooking[] = [];
  now = new Date('2027-01-01T12:00:00Z');
  waitlistTakes = 0;
  eventCancelled = false;
  /** Makes the next change fail the way a lost COMMIT MySQL could not be asked about does. */
  loseNextCommit: ChangeOutcomeUnknownError | null = null;
  lookups = 0;
  confirms = 0;
  /** What listForEvent was asked. */
  filters: BookingFilter[] = [];
  leaves: WaitlistEntryRef[] = [];
  /** The offer a leaveWaitlist ends, by entry id. */
  offers = new Map<number, number>();

  add(status: BookingStatus, over: Partial<StoredBooking> = {}): StoredBooking {
    const id = this.rows.length + 1;
    const row: StoredBooking = {
      id,
      reference: ref(id),
      eventId: 7,
      customerEmail: `c${id}@example.com`,
      quantity: 2,
      seats: [2 * id - 1, 2 * id],
      status,
      expiresAt: status === 'held' ? new Date(this.now.getTime() + 60_000) : null,
      strategy: 'atomic',
      createdAt: this.now,
      cancelledAt: null,
      secretHash: sha256Hex(SECRET),
      requestHash: null,
      ...over,
    };
    this.rows.push(row);
    return row;
  }

  findByReference = async (reference: string) => {
    this.lookups += 1;
    return this.rows.find((r) => r.reference === reference) ?? null;
  };

  end = async (id: number, to: BookingEnd): Promise<EndedBooking | null> => {
    this.failIfLost();
    const row = this.rows.find((r) => r.id === id);
    if (!row) return null;
    const live = row.status === 'held' || row.status === 'confirmed';
    const due = to !== 'expired' || (row.status === 'held' && row.expiresAt! <= this.now);
    if (!live || !due) return { booking: row, seatsFreed: [] };
    row.status = to;
    row.cancelledAt = this.now;
    row.expiresAt = null;
    return { booking: row, seatsFreed: row.seats.slice(this.waitlistTakes) };
  };

  confirmHold = async (id: number) => {
    this.confirms += 1;
    this.failIfLost();
    const row = this.rows.find((r) => r.id === id)!;
    if (this.eventCancelled) return 'event-cancelled' as const;
    if (row.status === 'confirmed') return row;
    if (row.status !== 'held') return 'ended' as const;
    if (row.expiresAt! <= this.now) return 'expired' as const;
    row.status = 'confirmed';
    row.expiresAt = null;
    return row;
  };

  leaveWaitlist = async (entry: WaitlistEntryRef): Promise<EndedBooking | null> => {
    this.leaves.push(entry);
    this.failIfLost();
    const offer = this.offers.get(entry.id);
    return offer === undefined ? null : this.end(offer, 'released');
  };

  listForEvent = async (eventId: number, filter: BookingFilter) => {
    this.filters.push(filter);
    return this.rows
      .filter((r) => r.eventId === eventId && r.id > filter.afterId && (!filter.status || r.status === filter.status))
      .filter((r) => !filter.emailPrefix || r.customerEmail.startsWith(filter.emailPrefix))
      .slice(0, filter.limit);
  };

  private failIfLost(): void {
    const lost = this.loseNextCommit;
    this.loseNextCommit = null;
    if (lost) throw lost;
  }
}

/** The seat pool: records what comes back and what is left to reconciliation. */
class FakeInventory implements Partial<SeatInventory> {
  returned: { eventId: number; seats: number[] }[] = [];
  reconciles: { eventId: number; reason: string }[] = [];
  returnCancelled = async (eventId: number, seats: number[]) => void this.returned.push({ eventId, seats });
  reconcileLater = (eventId: number, reason: string) => void this.reconciles.push({ eventId, reason });
  returnedSeats = () => this.returned.flatMap((r) => r.seats);
}

function subject() {
  const bookings = new InMemoryBookings();
  const inventory = new FakeInventory();
  const events = { findById: async (id: number) => (id === 7 ? ({ id: 7 } as Event) : null) } as unknown as EventsRepository;
  const config = { waitlistOfferTtlMs: 120_000 } as ConstructorParameters<typeof OwnedBookingsService>[3];
  const service = new OwnedBookingsService(
    bookings as unknown as BookingsRepository,
    events,
    inventory as unknown as SeatInventory,
    config,
  );
  return { service, bookings, inventory };
}

const owner = { admin: false as const, secret: SECRET };
const admin = { admin: true as const };
const stranger = { admin: false as const, secret: 'not-the-secret' };
const anonymous = { admin: false as const, secret: undefined };

describe('OwnedBookingsService', () => {
  describe('get', () => {
    it('shows the booking to its owner and to the admin, as the domain booking', async () => {
      const { service, bookings } = subject();
      const row = bookings.add('confirmed');
      expect(await service.get(row.reference, owner)).toBe(row);
      expect(await service.get(row.reference, admin)).toBe(row);
    });

    it.each([
      ['a wrong secret', stranger],
      ['no secret', anonymous],
    ])('answers %s with the same 404 as a reference that does not exist', async (_who, access) => {
      const { service, bookings } = subject();
      const row = bookings.add('confirmed');
      await expect(service.get(row.reference, access)).rejects.toMatchObject({ code: 'BOOKING_NOT_FOUND', status: 404 });
      await expect(service.get(ref(99), owner)).rejects.toMatchObject({ code: 'BOOKING_NOT_FOUND', status: 404 });
    });

    it('does not look up a reference that is not one (404 without a query)', async () => {
      const { service, bookings } = subject();
      await expect(service.get('not-a-reference', admin)).rejects.toMatchObject({ code: 'BOOKING_NOT_FOUND' });
      expect(bookings.lookups).toBe(0);
    });
  });

  describe('cancel', () => {
    it('confirmed → cancelled by its owner; the seats go back on sale', async () => {
      const { service, bookings, inventory } = subject();
      const row = bookings.add('confirmed');
      const cancelled = await service.cancel(row.reference, owner);
      expect(cancelled).toMatchObject({ reference: row.reference, status: 'cancelled', cancelledAt: bookings.now });
      expect(inventory.returned).toEqual([{ eventId: 7, seats: [1, 2] }]);
    });

    it('a hold is released (the checkout route) by the admin', async () => {
      const { service, bookings, inventory } = subject();
      const row = bookings.add('held');
      expect(await service.cancel(row.reference, admin, 'released')).toMatchObject({ status: 'released', expiresAt: null });
      expect(inventory.returnedSeats()).toEqual([1, 2]);
    });

    it('seats the waiting list takes do not go back on sale', async () => {
      const { service, bookings, inventory } = subject();
      bookings.waitlistTakes = 1;
      await service.cancel(bookings.add('confirmed').reference, owner);
      expect(inventory.returnedSeats()).toEqual([2]);
    });

    it('is harmless twice: the second answers the cancelled booking and returns no seat again', async () => {
      const { service, bookings, inventory } = subject();
      const row = bookings.add('confirmed');
      await service.cancel(row.reference, owner);
      expect(await service.cancel(row.reference, owner)).toMatchObject({ status: 'cancelled' });
      expect(inventory.returnedSeats()).toEqual([1, 2]);
    });

    it('a stranger gets 404 and nothing ends', async () => {
      const { service, bookings, inventory } = subject();
      const row = bookings.add('confirmed');
      await expect(service.cancel(row.reference, stranger)).rejects.toMatchObject({ code: 'BOOKING_NOT_FOUND' });
      expect(row.status).toBe('confirmed');
      expect(inventory.returned).toEqual([]);
    });

    it('a booking gone between the read and the end is a 404', async () => {
      const { service, bookings } = subject();
      const row = bookings.add('confirmed');
      bookings.end = async () => null;
      await expect(service.cancel(row.reference, owner)).rejects.toMatchObject({ code: 'BOOKING_NOT_FOUND' });
    });

    it('a lost COMMIT MySQL could not be asked about: 503 CHANGE_OUTCOME_UNKNOWN, the event reconciled later, nothing returned now', async () => {
      const { service, bookings, inventory } = subject();
      const row = bookings.add('confirmed');
      const lost = new ChangeOutcomeUnknownError(7);
      bookings.loseNextCommit = lost;
      await expect(service.cancel(row.reference, owner)).rejects.toBe(lost);
      expect(inventory.reconciles).toEqual([{ eventId: 7, reason: 'lost-commit' }]);
      expect(inventory.returned).toEqual([]);
    });

    it('a lost COMMIT without an event to reconcile is only rethrown', async () => {
      const { service, bookings, inventory } = subject();
      const row = bookings.add('confirmed');
      bookings.loseNextCommit = new ChangeOutcomeUnknownError(null);
      await expect(service.cancel(row.reference, owner)).rejects.toBeInstanceOf(ChangeOutcomeUnknownError);
      expect(inventory.reconciles).toEqual([]);
    });
  });

  describe('end (the expiry sweeper)', () => {
    it('expires a hold whose time is up and returns its seats', async () => {
      const { service, bookings, inventory } = subject();
      const row = bookings.add('held', { expiresAt: new Date(bookings.now.getTime() - 1) });
      expect(await service.end(row.id, 'expired')).toMatchObject({ status: 'expired' });
      expect(inventory.returnedSeats()).toEqual([1, 2]);
    });

    it('leaves a hold that still runs as it is (the repository says no), nothing returned', async () => {
      const { service, bookings, inventory } = subject();
      const row = bookings.add('held');
      expect(await service.end(row.id, 'expired')).toMatchObject({ status: 'held' });
      expect(inventory.returnedSeats()).toEqual([]);
    });

    it('an id MySQL does not know: null, the inventory untouched', async () => {
      const { service, inventory } = subject();
      expect(await service.end(42, 'expired')).toBeNull();
      expect(inventory.returned).toEqual([]);
    });
  });

  describe('confirmHold', () => {
    it('held → confirmed by its owner; harmless twice', async () => {
      const { service, bookings } = subject();
      const row = bookings.add('held');
      expect(await service.confirmHold(row.reference, owner)).toMatchObject({ status: 'confirmed', expiresAt: null });
      expect(await service.confirmHold(row.reference, owner)).toMatchObject({ status: 'confirmed' });
    });

    it('a hold past its time: 410 HOLD_EXPIRED', async () => {
      const { service, bookings } = subject();
      const row = bookings.add('held', { expiresAt: bookings.now });
      await expect(service.confirmHold(row.reference, owner)).rejects.toMatchObject({ code: 'HOLD_EXPIRED', status: 410 });
    });

    it('a released hold: 409 HOLD_NOT_ACTIVE naming its status', async () => {
      const { service, bookings } = subject();
      const row = bookings.add('released');
      const refusal = await service.confirmHold(row.reference, owner).catch((e: unknown) => e);
      expect(refusal).toMatchObject({ code: 'HOLD_NOT_ACTIVE', status: 409 });
      expect((refusal as Error).message).toContain('released');
    });

    it('a hold of a cancelled event: 409 EVENT_CANCELLED', async () => {
      const { service, bookings } = subject();
      const row = bookings.add('held');
      bookings.eventCancelled = true;
      await expect(service.confirmHold(row.reference, owner)).rejects.toMatchObject({ code: 'EVENT_CANCELLED', status: 409 });
    });

    it('a stranger gets 404 and MySQL is not asked to confirm', async () => {
      const { service, bookings } = subject();
      const row = bookings.add('held');
      await expect(service.confirmHold(row.reference, stranger)).rejects.toMatchObject({ code: 'BOOKING_NOT_FOUND' });
      expect(bookings.confirms).toBe(0);
      expect(row.status).toBe('held');
    });
  });

  describe('leaveWaitlist', () => {
    it("ends the entry's offer and returns the seats no one in line takes", async () => {
      const { service, bookings, inventory } = subject();
      const offer = bookings.add('held');
      bookings.offers.set(3, offer.id);
      bookings.waitlistTakes = 1;
      await service.leaveWaitlist({ id: 3, eventId: 7, offerBookingId: offer.id });
      expect(offer.status).toBe('released');
      expect(inventory.returned).toEqual([{ eventId: 7, seats: [2] }]);
    });

    it('an entry without an offer: nothing returned', async () => {
      const { service, bookings, inventory } = subject();
      await service.leaveWaitlist({ id: 3, eventId: 7, offerBookingId: null });
      expect(bookings.leaves).toEqual([{ id: 3, eventId: 7, offerBookingId: null }]);
      expect(inventory.returned).toEqual([]);
    });

    it('a lost COMMIT: reconciled later and rethrown', async () => {
      const { service, bookings, inventory } = subject();
      bookings.loseNextCommit = new ChangeOutcomeUnknownError(7);
      await expect(service.leaveWaitlist({ id: 3, eventId: 7, offerBookingId: 1 })).rejects.toBeInstanceOf(ChangeOutcomeUnknownError);
      expect(inventory.reconciles).toEqual([{ eventId: 7, reason: 'lost-commit' }]);
    });
  });

  describe('listForEvent', () => {
    it('pages oldest first: limit + 1 rows read, the cursor of the last row shown, null on the last page', async () => {
      const { service, bookings } = subject();
      const rows = [bookings.add('confirmed'), bookings.add('held'), bookings.add('cancelled')];
      const first = await service.listForEvent(7, { limit: 2 });
      expect(first.items).toEqual([rows[0], rows[1]]);
      expect(first.nextCursor).not.toBeNull();
      expect(bookings.filters[0]).toEqual({ status: undefined, emailPrefix: undefined, afterId: 0, limit: 3 });
      const second = await service.listForEvent(7, { limit: 2, cursor: first.nextCursor! });
      expect(second).toEqual({ items: [rows[2]], nextCursor: null });
      expect(bookings.filters[1].afterId).toBe(rows[1].id);
    });

    it('20 a page by default; the status and e-mail filters reach MySQL', async () => {
      const { service, bookings } = subject();
      bookings.add('confirmed');
      const held = bookings.add('held');
      const page = await service.listForEvent(7, { status: 'held', email: 'c2@' });
      expect(page).toEqual({ items: [held], nextCursor: null });
      expect(bookings.filters).toEqual([{ status: 'held', emailPrefix: 'c2@', afterId: 0, limit: 21 }]);
    });

    it('an event that does not exist: 404 EVENT_NOT_FOUND, no bookings read', async () => {
      const { service, bookings } = subject();
      await expect(service.listForEvent(8, {})).rejects.toMatchObject({ code: 'EVENT_NOT_FOUND', status: 404 });
      expect(bookings.filters).toEqual([]);
    });

    it('a cursor this API did not return: 400 INVALID_INPUT before any read', async () => {
      const { service, bookings } = subject();
      await expect(service.listForEvent(7, { cursor: 'MDE' })).rejects.toBeInstanceOf(InvalidInputError);
      expect(bookings.filters).toEqual([]);
    });
  });
});
