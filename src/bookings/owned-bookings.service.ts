import { Injectable } from '@nestjs/common';
import { BookingNotFoundError, EventNotFoundError, InvalidInputError } from '../errors/domain-errors';
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
  ) {}

  async get(reference: string, access: BookingAccess): Promise<BookingResponse> {
    return BookingResponse.from(await this.findVisible(reference, access), null);
  }

  /** Cancelling twice is harmless: the second call returns the cancelled booking. */
  async cancel(reference: string, access: BookingAccess): Promise<BookingResponse> {
    const visible = await this.findVisible(reference, access);
    const result = await this.repository.cancel(visible.id);
    if (!result) throw new BookingNotFoundError();
    await this.inventory.returnCancelled(result.booking.eventId, result.seatsFreed);
    return BookingResponse.from(result.booking, null);
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

  private async findVisible(reference: string, access: BookingAccess): Promise<StoredBooking> {
    const booking = REFERENCE_FORMAT.test(reference) ? await this.repository.findByReference(reference) : null;
    // The hash comparison runs whether or not the booking exists, so timing tells nothing either.
    const ownerMatches = !access.admin && access.secret !== undefined && secretMatches(access.secret, booking?.secretHash ?? null);
    if (!booking || !(access.admin || ownerMatches)) throw new BookingNotFoundError();
    return booking;
  }
}
