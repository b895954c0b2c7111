import type { Deadline } from '../../concurrency/deadline';
import type { Booking, BookingStatus, StoredBooking } from '../booking.model';

export interface NewBooking {
  reference: string;
  secretHash: string;
  eventId: number;
  customerEmail: string;
  quantity: number;
  seats: number[];
  strategy: string;
  idempotencyKeyHash: string | null;
  requestHash: string | null;
  /** The event's per-customer limit, checked inside the transaction; null = none. */
  maxPerCustomer: number | null;
}

export interface BookingFilter {
  status?: BookingStatus;
  /** Case-insensitive prefix of the customer's e-mail. */
  emailPrefix?: string;
  /** Internal id of the last booking of the previous page (0 = first page). */
  afterId: number;
  limit: number;
}

/** Another booking of this event already used this Idempotency-Key. */
export class DuplicateIdempotencyKeyError extends Error {}

/** The customer's confirmed seats plus this booking would pass the event's limit. */
export class CustomerLimitExceededError extends Error {}

export abstract class BookingsRepository {
  /**
   * The booking and its tickets in one transaction, every wait bounded by
   * `deadline`. A seat MySQL already has is a SeatAlreadyTakenError (from
   * inventory/); the customer's limit, a CustomerLimitExceededError.
   */
  abstract insertConfirmed(booking: NewBooking, deadline: Deadline): Promise<StoredBooking>;
  abstract findByReference(reference: string, deadline?: Deadline): Promise<StoredBooking | null>;
  abstract findByIdempotencyKey(eventId: number, keyHash: string, deadline?: Deadline): Promise<StoredBooking | null>;
  /** Deletes the tickets and marks the booking cancelled; `seatsFreed` is empty if it already was. */
  abstract cancel(id: number): Promise<{ booking: Booking; seatsFreed: number[] } | null>;
  abstract confirmedQuantityOf(eventId: number, customerEmail: string, deadline?: Deadline): Promise<number>;
  /** One page of an event's bookings, oldest first. */
  abstract listForEvent(eventId: number, filter: BookingFilter): Promise<StoredBooking[]>;
}
