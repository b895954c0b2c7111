import { Inject, Injectable } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { BookingNotFoundError, EventNotFoundError, HoldExpiredError, HoldNotActiveError, InvalidInputError } from '../errors/domain-errors';
import { decodeCursor, encodeCursor } from '../events/event-cursor';
import { EventsRepository } from '../events/persistence/events.repository';
import { SeatInventory } from '../inventory/seat-inventory';
import { REFERENCE_FORMAT, secretMatches } from './booking-credentials';
import type { BookingStatus, StoredBooking } from './booking.model';
import { BookingPageResponse, BookingResponse } from './dto/booking.response';
import { BookingsRepository } from './persistence/bookings.repository';

/** Who is asking for a booking: the admin, or whoever presents a secret. */
export type BookingAccess = { admin: true } | { admin: false; secret: string | undefined };

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

  async get(reference: string, access: BookingAccess): Promise<BookingResponse> {
    return BookingResponse.from(await this.findVisible(reference, access), null);
  }

  /**
   * Cancelling twice is harmless: the second call returns the cancelled
   * booking. A hold cancelled this way is `released`. Freed seats go to the
   * waiting list first, then back on sale.
   */
  async cancel(reference: string, access: BookingAccess, to: 'cancelled' | 'released' = 'cancelled'): Promise<BookingResponse> {
    const visible = await this.findVisible(reference, access);
    const result = await this.repository.end(visible.id, to, this.config.waitlistOfferTtlMs);
    if (!result) throw new BookingNotFoundError();
    await this.inventory.returnCancelled(result.booking.eventId, result.seatsFreed);
    return BookingResponse.from(result.booking, null);
  }

  /** held → confirmed by its owner; harmless twice; 410 once the hold has expired. */
  async confirmHold(reference: string, access: BookingAccess): Promise<BookingResponse> {
    const visible = await this.findVisible(reference, access);
    const result = await this.repository.confirmHold(visible.id);
    if (result === 'expired') throw new HoldExpiredError();
    if (result === 'ended') throw new HoldNotActiveError(visible.status);
    return BookingResponse.from(result, null);
  }

  /** Admin: an event's bookings, oldest first, a page at a time. */
  async listForEvent(
    eventId: number,
    query: { status?: BookingStatus; email?: string; limit?: number; cursor?: string },
  ): Promise<BookingPageResponse> {
    const limit = query.limit ?? 20;
    const afterId = query.cursor === undefined ? 0 : decodeCursor(query.cursor);
    if (afterId === null) throw new InvalidInputError('cursor is not a cursor this API returned');
    if (!(await this.events.findById(eventId))) throw new EventNotFoundError(eventId);
    // One extra row tells whether there is a next page without a COUNT.
    const rows = await this.repository.listForEvent(eventId, { status: query.status, emailPrefix: query.email, afterId, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return {
      items: page.map((b) => BookingResponse.from(b, null)),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  async findVisible(reference: string, access: BookingAccess): Promise<StoredBooking> {
    const booking = REFERENCE_FORMAT.test(reference) ? await this.repository.findByReference(reference) : null;
    // The hash comparison runs whether or not the booking exists, so timing tells nothing either.
    const ownerMatches = !access.admin && access.secret !== undefined && secretMatches(access.secret, booking?.secretHash ?? null);
    if (!booking || !(access.admin || ownerMatches)) throw new BookingNotFoundError();
    return booking;
  }
}
