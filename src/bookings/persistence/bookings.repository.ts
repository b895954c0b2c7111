import type { Booking } from '../booking.model';

export interface NewBooking {
  eventId: number;
  customerEmail: string;
  quantity: number;
  seats: number[];
  strategy: string;
  idempotencyKey: string | null;
  requestHash: string | null;
}

/** Seats of this booking are already ticketed: the database refused a double seat. */
export class SeatAlreadyTakenError extends Error {
  constructor(cause: unknown) {
    super('a seat of this booking is already held by another ticket', { cause });
  }
}

/** Another booking of this event already used this Idempotency-Key. */
export class DuplicateIdempotencyKeyError extends Error {}

export interface StoredBooking extends Booking {
  requestHash: string | null;
}

export abstract class BookingsRepository {
  /**
   * The booking and its tickets in one transaction. `overwriteSeats` exists
   * only for the `unsafe` control group: it lets a double seat through instead
   * of refusing it, so the tests can see what an unprotected system does.
   */
  abstract insertConfirmed(booking: NewBooking, overwriteSeats: boolean): Promise<Booking>;
  abstract findById(id: number): Promise<Booking | null>;
  abstract findByIdempotencyKey(eventId: number, key: string): Promise<StoredBooking | null>;
  /** Deletes the tickets and marks the booking cancelled; `seatsFreed` is empty if it already was. */
  abstract cancel(id: number): Promise<{ booking: Booking; seatsFreed: number[] } | null>;
  abstract confirmedQuantityOf(eventId: number, customerEmail: string): Promise<number>;
}
