import type { ErrorCode } from './error-codes';

/**
 * Errors the service layer throws. Each carries a stable code for clients and
 * the HTTP status it maps to; the exception filter does the mapping, so
 * services never import HTTP classes.
 */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly status: number;
  /** Seconds a client should wait before retrying (503s). */
  readonly retryAfterSeconds?: number;
  readonly details?: Record<string, unknown>;
}

export class EventNotFoundError extends DomainError {
  readonly code = 'EVENT_NOT_FOUND';
  readonly status = 404;
  constructor(id: number) {
    super(`event ${id} does not exist`);
  }
}

/** Also what a caller without the booking's secret gets: whether the reference exists is not told. */
export class BookingNotFoundError extends DomainError {
  readonly code = 'BOOKING_NOT_FOUND';
  readonly status = 404;
  constructor() {
    super('no booking with this reference is visible with these credentials');
  }
}

export const soldOutMessage = (available: number, requested: number): string =>
  available === 0 ? 'sold out: no seats left' : `sold out: ${requested} seats requested, only ${available} left`;

export class SoldOutError extends DomainError {
  readonly code = 'SOLD_OUT';
  readonly status = 409;
  readonly details: { available: number; requested: number };
  constructor(available: number, requested: number) {
    super(soldOutMessage(available, requested));
    this.details = { available, requested };
  }
}

export class CustomerLimitError extends DomainError {
  readonly code = 'CUSTOMER_LIMIT_REACHED';
  readonly status = 409;
  constructor(limit: number) {
    super(`this customer may hold at most ${limit} tickets for this event`);
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  readonly status = 422;
  constructor() {
    super('this Idempotency-Key was already used with a different request body');
  }
}

export class UnknownStrategyError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly status = 400;
  constructor(strategy: string, known: string[]) {
    super(`strategy must be one of the following values: ${known.join(', ')} (got "${strategy}")`);
  }
}

/** The request's deadline passed while it waited for its turn: the server's fault, so 503. */
export class DeadlineExceededError extends DomainError {
  readonly code = 'DEADLINE_EXCEEDED';
  readonly status = 503;
  readonly retryAfterSeconds = 1;
  constructor(what: string) {
    super(`the booking could not be completed in time (${what}); nothing was booked, try again`);
  }
}

const UNAVAILABLE_CODES = {
  redis: 'REDIS_UNAVAILABLE',
  mysql: 'MYSQL_UNAVAILABLE',
  'lock-quorum': 'LOCK_QUORUM_UNAVAILABLE',
} as const satisfies Record<string, ErrorCode>;

export class DependencyUnavailableError extends DomainError {
  readonly code: ErrorCode;
  readonly status = 503;
  readonly retryAfterSeconds = 2;
  constructor(dependency: keyof typeof UNAVAILABLE_CODES, cause?: unknown) {
    super(`${dependency} is unavailable; nothing was booked, try again shortly`, { cause });
    this.code = UNAVAILABLE_CODES[dependency];
  }
}

/**
 * The Redis inventory could not be brought in line with MySQL in time (seat
 * conflicts or rebuilds kept recurring): nothing was booked, the next try
 * normally succeeds.
 */
export class InventoryUnsettledError extends DomainError {
  readonly code = 'INVENTORY_UNSETTLED';
  readonly status = 503;
  readonly retryAfterSeconds = 1;
  constructor(what: string) {
    super(`the seat inventory is being reconciled (${what}); nothing was booked, try again`);
  }
}

/**
 * MySQL lost its answer to this booking's COMMIT and could not be asked in
 * time whether it committed. Not "nothing was booked": the client finds out by
 * retrying with the same Idempotency-Key; the seats stay reserved meanwhile.
 */
export class BookingOutcomeUnknownError extends DomainError {
  /** The seats stay reserved (SeatInventory gives them back only once MySQL has no ticket for them). */
  readonly seatsMayBeSold = true;
  readonly code = 'BOOKING_OUTCOME_UNKNOWN';
  readonly status = 503;
  readonly retryAfterSeconds = 2;
  constructor() {
    super('mysql lost the answer to this booking; it may have been booked: retry with the same Idempotency-Key to find out');
  }
}

/**
 * Not sold out: the seats a buyer would need are in limbo, taken by bookings
 * whose COMMIT answer MySQL lost and which are settled as soon as MySQL
 * answers again (docs/design.md §1.7). A short "try again".
 */
export class SeatsInLimboError extends DomainError {
  readonly code = 'SEATS_IN_LIMBO';
  readonly status = 503;
  readonly retryAfterSeconds = 1;
  readonly details: { available: number; inLimbo: number; requested: number };
  constructor(available: number, inLimbo: number, requested: number) {
    super(`not sold out yet: ${inLimbo} seats wait for MySQL to confirm other bookings' outcome; try again in a moment`);
    this.details = { available, inLimbo, requested };
  }
}

/**
 * MySQL lost its answer to the COMMIT of a change (cancel, release, confirm,
 * an event's change) and could not be asked in time whether it committed.
 * Repeating the request is safe; any seats it freed come back once MySQL answers.
 */
export class ChangeOutcomeUnknownError extends DomainError {
  readonly code = 'CHANGE_OUTCOME_UNKNOWN';
  readonly status = 503;
  readonly retryAfterSeconds = 2;
  constructor(
    /** The event whose inventory must be reconciled once MySQL answers (seats may have been freed). */
    readonly eventId: number | null,
    cause?: unknown,
  ) {
    super('mysql lost the answer to this change and could not be asked in time whether it was made; repeating the request is safe', {
      cause,
    });
  }
}

/** Before the event's sale window opens: 409 with `opensAt`, and Retry-After until then. */
export class SaleNotOpenError extends DomainError {
  readonly code = 'SALE_NOT_OPEN';
  readonly status = 409;
  readonly retryAfterSeconds: number;
  readonly details: { opensAt: string };
  constructor(opensAt: Date, now: number) {
    super(`the sale opens at ${opensAt.toISOString()}`);
    this.retryAfterSeconds = Math.max(1, Math.ceil((opensAt.getTime() - now) / 1000));
    this.details = { opensAt: opensAt.toISOString() };
  }
}

export class SaleClosedError extends DomainError {
  readonly code = 'SALE_CLOSED';
  readonly status = 409;
  readonly details: { closedAt: string };
  constructor(closedAt: Date) {
    super(`the sale closed at ${closedAt.toISOString()}`);
    this.details = { closedAt: closedAt.toISOString() };
  }
}

export class EventCancelledError extends DomainError {
  readonly code = 'EVENT_CANCELLED';
  readonly status = 409;
  constructor(id: number) {
    super(`event ${id} was cancelled; nothing is sold any more`);
  }
}

/** The hold's time ran out before it was confirmed: its seats are back on sale (or about to be). */
export class HoldExpiredError extends DomainError {
  readonly code = 'HOLD_EXPIRED';
  readonly status = 410;
  constructor() {
    super('this hold expired before it was confirmed; its seats are back on sale');
  }
}

/** The hold was released or cancelled: there is nothing to confirm. */
export class HoldNotActiveError extends DomainError {
  readonly code = 'HOLD_NOT_ACTIVE';
  readonly status = 409;
  constructor(status: string) {
    super(`this booking is ${status}, not a hold that can be confirmed`);
  }
}

/** Capacity cannot go below a seat number that is held or ticketed (thrown by the events repository, in the transaction that checks it). */
export class CapacityBelowSoldError extends DomainError {
  readonly code = 'CAPACITY_BELOW_SOLD';
  readonly status = 409;
  readonly details: { highestSeat: number };
  constructor(highestSeat: number) {
    super(`capacity cannot go below ${highestSeat}: that seat is held or sold`);
    this.details = { highestSeat };
  }
}

/** The waiting list is for events that cannot serve the request now. */
export class SeatsAvailableError extends DomainError {
  readonly code = 'SEATS_AVAILABLE';
  readonly status = 409;
  readonly details: { available: number };
  constructor(available: number) {
    super(`${available} seats are on sale: book them instead of joining the waiting list`);
    this.details = { available };
  }
}

export class WaitlistEntryNotFoundError extends DomainError {
  readonly code = 'WAITLIST_ENTRY_NOT_FOUND';
  readonly status = 404;
  constructor() {
    super('no waiting-list entry with this reference is visible with these credentials');
  }
}

/** The event's waiting list holds WAITLIST_MAX_ENTRIES_PER_EVENT live entries already. */
export class WaitlistFullError extends DomainError {
  readonly code = 'WAITLIST_FULL';
  readonly status = 409;
  readonly details: { maxEntries: number };
  constructor(maxEntries: number) {
    super(`the waiting list of this event is full (${maxEntries} entries)`);
    this.details = { maxEntries };
  }
}

/** The customer already has a live (waiting or offered) entry for this event: one place per customer. */
export class WaitlistAlreadyJoinedError extends DomainError {
  readonly code = 'WAITLIST_ALREADY_JOINED';
  readonly status = 409;
  constructor() {
    super('this customer is already on the waiting list of this event (leave it first to queue again)');
  }
}

/** A refusal stored under an Idempotency-Key, answered again to a replay of that key. */
export class ReplayedRefusalError extends DomainError {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;
  constructor(stored: { code: ErrorCode; status: number; message: string; details?: Record<string, unknown> }) {
    super(stored.message);
    this.code = stored.code;
    this.status = stored.status;
    this.details = stored.details;
  }
}

/** Input that passed DTO validation but is still wrong (a forged cursor, say). */
export class InvalidInputError extends DomainError {
  readonly code = 'INVALID_INPUT';
  readonly status = 400;
}

export class AdminKeyNotFoundError extends DomainError {
  readonly code = 'ADMIN_KEY_NOT_FOUND';
  readonly status = 404;
  constructor(id: number) {
    super(`admin key ${id} does not exist`);
  }
}

export class WebhookEndpointNotFoundError extends DomainError {
  readonly code = 'WEBHOOK_ENDPOINT_NOT_FOUND';
  readonly status = 404;
  constructor(id: number) {
    super(`webhook endpoint ${id} does not exist`);
  }
}

export class WebhookDeliveryNotFoundError extends DomainError {
  readonly code = 'WEBHOOK_DELIVERY_NOT_FOUND';
  readonly status = 404;
  constructor(id: number) {
    super(`webhook delivery ${id} does not exist`);
  }
}

/** Only a dead letter is replayed: a pending one is on its way already, a delivered one arrived. */
export class WebhookDeliveryNotReplayableError extends DomainError {
  readonly code = 'WEBHOOK_DELIVERY_NOT_REPLAYABLE';
  readonly status = 409;
  constructor(id: number, status: string) {
    super(`webhook delivery ${id} is ${status}: only a dead letter can be replayed`);
  }
}
