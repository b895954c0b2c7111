/** held → confirmed | released | expired; confirmed → cancelled. */
export type BookingStatus = 'held' | 'confirmed' | 'cancelled' | 'released' | 'expired';
export const BOOKING_STATUSES: BookingStatus[] = ['held', 'confirmed', 'cancelled', 'released', 'expired'];

/** A booking as the service layer sees it; rows stay in persistence/. */
export interface Booking {
  /** Internal row id: orders pages, never leaves the server. */
  id: number;
  /** Public, unguessable handle of the booking. */
  reference: string;
  eventId: number;
  customerEmail: string;
  quantity: number;
  seats: number[];
  status: BookingStatus;
  /** When a checkout hold lapses; null for anything but `held`. */
  expiresAt: Date | null;
  strategy: string;
  createdAt: Date;
  cancelledAt: Date | null;
}

/** What only the server reads: how ownership and replays are checked. */
export interface StoredBooking extends Booking {
  secretHash: string | null;
  requestHash: string | null;
}

/** One page of an event's bookings, oldest first; `nextCursor` is null on the last page. */
export interface BookingPage {
  items: Booking[];
  nextCursor: string | null;
}
