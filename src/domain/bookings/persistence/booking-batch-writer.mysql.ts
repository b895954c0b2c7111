import { Injectable } from '@nestjs/common';
import type { Deadline } from '../../../platform/concurrency/deadline';
import { BoundedSql } from '../../../platform/database/bounded-sql';
import { SeatAlreadyTakenError } from '../../inventory/seat-inventory';
import { EVENT_CANCELLED_SIGNAL, EventCancelledRefusal } from './cancelled-event-refusal';
import type { BookingStatus, StoredBooking } from '../booking.model';
import { CustomerLimitExceededError, DuplicateIdempotencyKeyError, NewBooking } from './bookings.repository';
import { mysqlRolledBack } from '../../../shared/errors/driver-errors';

/** One booking of a batch: written, or refused on its own (the others are not affected). */
export type BatchWrite = { kind: 'written'; booking: StoredBooking } | { kind: 'refused'; error: Error };

/** A booking's outcome inside the `insert_bookings` procedure (migrations/…-BookInBatches). */
type ProcedureResult = { id: number | string } | { errno: number | string; state: string; message: string };

/** A refusal MySQL raised for one booking, as the batch procedure reported it. */
export class BatchedBookingRefusal extends Error {
  constructor(
    readonly errno: number,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
  }
}

/** Deadlock, lock wait timeout: the batch as a whole was rolled back; its bookings may each try again alone. */
export const batchRolledBack = mysqlRolledBack;

/** MySQL's DATETIME(3) literal of an instant (the pool's time zone is UTC, `timezone: 'Z'`). */
const mysqlInstant = (at: Date): string => at.toISOString().replace('T', ' ').replace('Z', '');

/**
 * Group commit's write: every booking and ticket of a batch in ONE MySQL
 * transaction and one round trip (`CALL insert_bookings`), each booking under
 * its own savepoint, so one refused booking (customer limit, a reused key, a
 * seat MySQL already has, the capacity trigger) leaves the others written.
 * A lost reply is an AmbiguousCommitError for the whole batch: the caller
 * settles each booking by its reference.
 */
@Injectable()
export class BookingBatchWriter {
  constructor(private readonly sql: BoundedSql) {}

  async write(eventId: number, bookings: NewBooking[], deadline: Deadline): Promise<BatchWrite[]> {
    // Millisecond precision, as the column stores it, so the reply equals a later GET.
    const createdAt = new Date(Math.floor(Date.now()));
    // Customers' rows are locked in one order on every instance: two batches cannot deadlock on them.
    const order = bookings.map((_, i) => i).sort((a, b) => compare(bookings[a].customerEmail, bookings[b].customerEmail));
    const payload = order.map((i) => procedureInput(bookings[i], createdAt));
    const [rows] = await this.sql.callCommitting<[{ results: string }[]]>(
      'CALL insert_bookings(?, ?)',
      [eventId, JSON.stringify(payload)],
      deadline,
    );
    const results = JSON.parse(rows[0].results) as ProcedureResult[];
    const writes: BatchWrite[] = new Array<BatchWrite>(bookings.length);
    order.forEach((i, n) => (writes[i] = toWrite(bookings[i], results[n], createdAt)));
    return writes;
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function procedureInput(b: NewBooking, createdAt: Date): Record<string, unknown> {
  const input: Record<string, unknown> = {
    reference: b.reference,
    secretHash: b.secretHash,
    email: b.customerEmail,
    quantity: b.quantity,
    status: statusOf(b),
    strategy: b.strategy,
    seats: JSON.stringify(b.seats),
    createdAt: mysqlInstant(createdAt),
  };
  // Absent, not null: JSON_EXTRACT of a JSON null is the string "null" once unquoted.
  if (b.holdUntil) input.expiresAt = mysqlInstant(b.holdUntil);
  if (b.idempotencyKeyHash) input.keyHash = b.idempotencyKeyHash;
  if (b.requestHash) input.requestHash = b.requestHash;
  if (b.maxPerCustomer !== null) input.max = b.maxPerCustomer;
  return input;
}

const statusOf = (b: NewBooking): BookingStatus => (b.holdUntil ? 'held' : 'confirmed');

function toWrite(b: NewBooking, result: ProcedureResult, createdAt: Date): BatchWrite {
  if ('id' in result) {
    return {
      kind: 'written',
      booking: {
        id: Number(result.id),
        reference: b.reference,
        eventId: b.eventId,
        customerEmail: b.customerEmail,
        quantity: b.quantity,
        seats: b.seats,
        status: statusOf(b),
        expiresAt: b.holdUntil,
        strategy: b.strategy,
        createdAt,
        cancelledAt: null,
        secretHash: b.secretHash,
        requestHash: b.requestHash,
      },
    };
  }
  return { kind: 'refused', error: classifyRefusal(Number(result.errno), result.state, result.message) };
}

/** The one-booking path's classification (bookings.repository.mysql.ts), for a refusal reported by the procedure. */
function classifyRefusal(errno: number, state: string, message: string): Error {
  const refusal = new BatchedBookingRefusal(errno, state, message);
  if (state === '45001') return new CustomerLimitExceededError();
  if (errno === 1062) {
    if (message.includes('uq_bookings_event_idempotency_key')) return new DuplicateIdempotencyKeyError();
    return new SeatAlreadyTakenError(refusal);
  }
  // The cancel triggers (migration CancelIsFinal) before the capacity trigger's 45000: the event is cancelled, not the pool stale.
  if (state === '45000' && message === EVENT_CANCELLED_SIGNAL) return new EventCancelledRefusal(refusal);
  // The capacity trigger: Redis offered a seat number the event no longer has.
  if (state === '45000') return new SeatAlreadyTakenError(refusal);
  return refusal;
}
