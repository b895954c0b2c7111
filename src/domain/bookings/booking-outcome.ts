import type { StoredBooking } from './booking.model';

/**
 * What booking seats ends in, as the service says it; the controller turns it
 * into HTTP. Other refusals (customer limit, sale closed...) are DomainErrors.
 */
export type BookingOutcome =
  | {
      kind: 'booked';
      booking: StoredBooking;
      /** Only to whoever made (or replays) the booking; null for pre-ownership bookings. */ secret: string | null;
    }
  | { kind: 'sold-out'; available: number; requested: number };
