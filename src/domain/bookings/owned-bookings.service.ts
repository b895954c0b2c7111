import { Inject, Injectable } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../../platform/config/configuration';
import {
  BookingNotFoundError,
  ChangeOutcomeUnknownError,
  EventCancelledError,
  EventNotFoundError,
  HoldExpiredError,
  HoldNotActiveError,
} from '../../shared/errors/domain-errors';
import { afterIdOf, pageOf } from '../../shared/pagination/event-cursor';
import { EventsRepository } from '../events/persistence/events.repository';
import { SeatInventory } from '../inventory/seat-inventory';
import { BookingAccess, findVisible } from './booking-access';
import { REFERENCE_FORMAT } from './booking-credentials';
import type { Booking, BookingPage, BookingStatus, StoredBooking } from './booking.model';
import { BookingEnd, BookingsRepository, WaitlistEntryRef } from './persistence/bookings.repository';

/**
 * Bookings after they were made: read and cancelled by reference, by their
 * owner (the secret) or the admin. Anyone else gets the same 404 as for a
 * reference that does not exist, so references cannot be probed.
 */
@Injectable()
export class OwnedBookingsService {
  constructor(
    private readonly repository: BookingsRepository,
    private readonly events: EventsRepository,
    private readonly inventory: SeatInventory,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {}

  async get(reference: string, access: BookingAccess): Promise<Booking> {
    return this.findVisible(reference, access);
  }

  /**
   * Cancelling twice is harmless: the second call returns the cancelled
   * booking. A hold cancelled this way is `released`. Freed seats go to the
   * waiting list first, then back on sale.
   */
  async cancel(reference: string, access: BookingAccess, to: 'cancelled' | 'released' = 'cancelled'): Promise<Booking> {
    const ended = await this.end((await this.findVisible(reference, access)).id, to);
    if (!ended) throw new BookingNotFoundError();
    return ended;
  }

  /**
   * Ends a live booking (cancelled, released, expired: see the repository's
   * `end`) and puts the seats the waiting list did not take back on sale: the
   * one way seats come back, whoever ends the booking.
   */
  async end(id: number, to: BookingEnd): Promise<StoredBooking | null> {
    const result = await this.repository
      .end(id, to, this.config.waitlistOfferTtlMs)
      .catch((error: unknown) => this.reconcileIfUnknown(error));
    if (!result) return null;
    await this.inventory.returnCancelled(result.booking.eventId, result.seatsFreed);
    return result.booking;
  }

  /**
   * Leaves a waiting-list entry, releasing the hold it was offered (serialized with a confirm and the expiry of
   * that hold: see the repository); seats no one in line takes go back on sale.
   */
  async leaveWaitlist(entry: WaitlistEntryRef): Promise<void> {
    const ended = await this.repository
      .leaveWaitlist(entry, this.config.waitlistOfferTtlMs)
      .catch((error: unknown) => this.reconcileIfUnknown(error));
    if (ended) await this.inventory.returnCancelled(ended.booking.eventId, ended.seatsFreed);
  }

  /** A lost COMMIT MySQL could not be asked about: if the end committed, its seats come back with the rebuild. */
  private reconcileIfUnknown(error: unknown): never {
    if (error instanceof ChangeOutcomeUnknownError && error.eventId !== null) this.inventory.reconcileLater(error.eventId, 'lost-commit');
    throw error;
  }

  /** held → confirmed by its owner; harmless twice; 410 once the hold has expired. */
  async confirmHold(reference: string, access: BookingAccess): Promise<Booking> {
    const visible = await this.findVisible(reference, access);
    const result = await this.repository.confirmHold(visible.id);
    if (result === 'expired') throw new HoldExpiredError();
    if (result === 'event-cancelled') throw new EventCancelledError(visible.eventId);
    if (result === 'ended') throw new HoldNotActiveError(visible.status);
    return result;
  }

  /** Admin: an event's bookings, oldest first, a page at a time. */
  async listForEvent(
    eventId: number,
    query: { status?: BookingStatus; email?: string; limit?: number; cursor?: string },
  ): Promise<BookingPage> {
    const limit = query.limit ?? 20;
    const afterId = afterIdOf(query.cursor);
    if (!(await this.events.findById(eventId))) throw new EventNotFoundError(eventId);
    const rows = await this.repository.listForEvent(eventId, { status: query.status, emailPrefix: query.email, afterId, limit: limit + 1 });
    const { page, nextCursor } = pageOf(rows, limit);
    return { items: page, nextCursor };
  }

  private async findVisible(reference: string, access: BookingAccess): Promise<StoredBooking> {
    const booking = await findVisible(reference, REFERENCE_FORMAT, access, (r) => this.repository.findByReference(r));
    if (!booking) throw new BookingNotFoundError();
    return booking;
  }
}
