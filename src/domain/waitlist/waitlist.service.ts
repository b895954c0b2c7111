import { Inject, Injectable } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../../platform/config/configuration';
import {
  CustomerLimitError,
  EventCancelledError,
  SeatsAvailableError,
  WaitlistAlreadyJoinedError,
  WaitlistEntryNotFoundError,
  WaitlistFullError,
} from '../../shared/errors/domain-errors';
import { EventsService } from '../events/events.service';
import { SeatInventory } from '../inventory/seat-inventory';
import { newReference, newSecret, sha256Hex } from '../../shared/credentials';
import { assertQuantityAllowed, saleRefusal } from '../bookings/sale-rules';
import { BookingAccess, findVisible } from '../bookings/booking-access';
import { OwnedBookingsService } from '../bookings/owned-bookings.service';
import { BookingsRepository } from '../bookings/persistence/bookings.repository';
import { WaitlistEntry, WaitlistEntryView, WaitlistRepository } from './waitlist-entry';

export const WAITLIST_REFERENCE_FORMAT = /^wl_[A-Za-z0-9_-]{22}$/;

/**
 * The waiting list of a sold-out event. Joining gives a reference, a secret
 * and a position; seats that come back are offered in order, as a hold made
 * for the entry (see persistence/waitlist-offers.sql.ts), which its owner
 * confirms with the entry's secret. The entry shows its offer.
 */
@Injectable()
export class WaitlistService {
  constructor(
    private readonly entries: WaitlistRepository,
    private readonly bookings: BookingsRepository,
    private readonly owned: OwnedBookingsService,
    private readonly events: EventsService,
    private readonly inventory: SeatInventory,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {}

  async join(eventId: number, customerEmail: string, quantity: number): Promise<WaitlistEntryView> {
    assertQuantityAllowed(quantity, this.config.maxTicketsPerBooking);
    const event = await this.events.findForBooking(eventId);
    const refusal = saleRefusal(event, Date.now(), 'allowed'); // a buyer may queue before the sale opens
    if (refusal) throw refusal;
    const free = await this.inventory.freeSeats(eventId);
    if (free !== null && free >= quantity) throw new SeatsAvailableError(free);
    // maxPerCustomer counts bookings, holds and offers together: a join that could only be offered past it is refused
    // now (the offer checks again, under its transaction, and skips an entry that would pass it by then).
    if (event.maxPerCustomer !== null && (await this.bookings.liveSeatsOf(eventId, customerEmail)) + quantity > event.maxPerCustomer) {
      throw new CustomerLimitError(event.maxPerCustomer);
    }
    const secret = newSecret();
    const joined = await this.entries.join(
      { reference: newReference('wl_'), secretHash: sha256Hex(secret), eventId, customerEmail, quantity },
      this.config.waitlistMaxEntriesPerEvent,
    );
    if (joined === 'full') throw new WaitlistFullError(this.config.waitlistMaxEntriesPerEvent);
    if (joined === 'already-joined') throw new WaitlistAlreadyJoinedError();
    if (joined === 'event-cancelled') throw new EventCancelledError(eventId);
    return this.describe(joined, secret);
  }

  async get(reference: string, access: BookingAccess): Promise<WaitlistEntryView> {
    return this.describe(await this.findVisible(reference, access), null);
  }

  /**
   * Leaving gives up a place, and the hold offered, if any (its seats go to the next in line). Serialized with a
   * confirm and the expiry of that hold: an entry whose offer was confirmed first stays `fulfilled`, its booking kept.
   */
  async leave(reference: string, access: BookingAccess): Promise<WaitlistEntryView> {
    const entry = await this.findVisible(reference, access);
    await this.owned.leaveWaitlist(entry);
    return this.describe(await this.entries.findById(entry.id), null);
  }

  private async describe(entry: WaitlistEntry, secret: string | null): Promise<WaitlistEntryView> {
    const offer = entry.offerBookingId === null ? null : await this.bookings.findById(entry.offerBookingId);
    return { entry, position: await this.entries.positionOf(entry), offer, secret };
  }

  private async findVisible(reference: string, access: BookingAccess): Promise<WaitlistEntry> {
    const entry = await findVisible(reference, WAITLIST_REFERENCE_FORMAT, access, (r) => this.entries.findByReference(r));
    if (!entry) throw new WaitlistEntryNotFoundError();
    return entry;
  }
}
