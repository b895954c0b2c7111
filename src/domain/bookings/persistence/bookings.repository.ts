import type { Deadline } from '../../../platform/concurrency/deadline';
import type { SqlTransaction } from '../../../platform/database/bounded-sql';
import type { BookingStatus, StoredBooking } from '../booking.model';

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
  /** A checkout hold until this instant, or null for a booking confirmed at once. */
  holdUntil: Date | null;
}

/** How a live booking ends: an owner's or admin's cancellation, a released hold, an expired hold. */
export type BookingEnd = 'cancelled' | 'released' | 'expired';

export interface EndedBooking {
  booking: StoredBooking;
  /** Seats that go back on general sale (those not offered to the waiting list); empty if it had already ended. */
  seatsFreed: number[];
}

/** Why a hold could not be confirmed. */
export type ConfirmRefusal = 'expired' | 'ended' | 'event-cancelled';

/** A waiting-list entry as leaving it needs it (its offer, if it had one when read). */
export interface WaitlistEntryRef {
  id: number;
  eventId: number;
  offerBookingId: number | null;
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
   * The booking (confirmed, or held until `holdUntil`) and its tickets in one
   * transaction, every wait bounded by `deadline`. A seat MySQL already has is
   * a SeatAlreadyTakenError (from inventory/); the customer's limit, a
   * CustomerLimitExceededError.
   */
  abstract insert(booking: NewBooking, deadline: Deadline): Promise<StoredBooking>;
  /**
   * The final outcome of an `insert` whose COMMIT answer was lost (`lost`, an
   * AmbiguousCommitError): the booking if it committed, null if it never will.
   * Throws while MySQL cannot be asked (then the outcome is still open).
   */
  abstract settleInsert(reference: string, lost: Error, deadline?: Deadline): Promise<StoredBooking | null>;
  /**
   * held → confirmed, only while the hold has not expired (MySQL's clock
   * decides, in one conditional UPDATE, so a confirm racing the expiry has
   * exactly one winner). Confirming a confirmed booking returns it again.
   * A lost COMMIT answer is settled by asking MySQL (ChangeOutcomeUnknownError if it cannot be asked in time).
   */
  abstract confirmHold(id: number): Promise<StoredBooking | ConfirmRefusal>;
  /**
   * Ends a live booking: tickets deleted, the seats offered to the waiting
   * list first (`offerTtlMs`), the rest returned in `seatsFreed`. `expired`
   * only ends a hold whose time is up. Ending an ended booking changes nothing.
   * A lost COMMIT answer is settled by asking MySQL: if this call's end
   * committed, its freed seats are returned all the same (exactly once);
   * ChangeOutcomeUnknownError (with the event) if MySQL cannot be asked in time.
   */
  abstract end(id: number, to: BookingEnd, offerTtlMs: number): Promise<EndedBooking | null>;
  /**
   * waiting | offered → left, and an offered hold released (its seats offered
   * to the next in line, the rest in `seatsFreed`), in one transaction that
   * takes the same locks in the same order as a confirm and an expiry of that
   * hold: whichever comes first wins, so a confirmed booking is never ended
   * by a late leave (its entry is `fulfilled`; leaving it changes nothing).
   * Returns the ended offer, or null if there was none to end.
   */
  abstract leaveWaitlist(entry: WaitlistEntryRef, offerTtlMs: number): Promise<EndedBooking | null>;
  /**
   * Seats that are new (more capacity) go to the waiting list first; returns those left for general sale.
   * Inside `tx`, the capacity change's own transaction, so the offers commit with the change or not at all.
   */
  abstract offerNewSeats(eventId: number, seats: number[], offerTtlMs: number, tx: SqlTransaction): Promise<number[]>;
  /** Holds whose time is up, oldest first. */
  abstract expiredHoldIds(limit: number): Promise<number[]>;
  abstract findByReference(reference: string, deadline?: Deadline): Promise<StoredBooking | null>;
  abstract findById(id: number): Promise<StoredBooking | null>;
  abstract findByIdempotencyKey(eventId: number, keyHash: string, deadline?: Deadline): Promise<StoredBooking | null>;
  abstract liveSeatsOf(eventId: number, customerEmail: string, deadline?: Deadline): Promise<number>;
  /** One page of an event's bookings, oldest first. */
  abstract listForEvent(eventId: number, filter: BookingFilter): Promise<StoredBooking[]>;
}
