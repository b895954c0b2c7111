import type { Deadline } from '../../common/deadline';
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

/** Seats of this booking are already ticketed: the database refused a double seat. */
export class SeatAlreadyTakenError extends Error {
  constructor(cause: unknown) {
    super('a seat of this booking is already held by another ticket', { cause });
  }
}

/** Another booking of this event already used this Idempotency-Key. */
export class DuplicateIdempotencyKeyError extends Error {}

/** The customer's confirmed seats plus this booking would pass the event's limit. */
export class CustomerLimitExceededError extends Error {}

export abstract class BookingsRepository {
  /**
   * The booking and its tickets in one transaction, every wait bounded by
   * `deadline`. `overwriteSeats` exists only for the `unsafe` control group: it
   * lets a double seat through instead of refusing it, so the tests can see
   * what an unprotected system does.
   */
  abstract insertConfirmed(booking: NewBooking, overwriteSeats: boolean, deadline: Deadline): Promise<StoredBooking>;
  abstract findByReference(reference: string, deadline?: Deadline): Promise<StoredBooking | null>;
  abstract findByIdempotencyKey(eventId: number, keyHash: string, deadline?: Deadline): Promise<StoredBooking | null>;
  /** Deletes the tickets and marks the booking cancelled; `seatsFreed` is empty if it already was. */
  abstract cancel(id: number): Promise<{ booking: Booking; seatsFreed: number[] } | null>;
  abstract confirmedQuantityOf(eventId: number, customerEmail: string, deadline?: Deadline): Promise<number>;
  /** One page of an event's bookings, oldest first. */
  abstract listForEvent(eventId: number, filter: BookingFilter): Promise<StoredBooking[]>;
}
