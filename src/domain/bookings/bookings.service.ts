import { Inject, Injectable, Logger } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../../platform/config/configuration';
import { Deadline } from '../../platform/concurrency/deadline';
import { AmbiguousCommitError } from '../../platform/database/bounded-sql';
import {
  BookingOutcomeUnknownError,
  CustomerLimitError,
  DependencyUnavailableError,
  EventCancelledError,
  IdempotencyKeyReusedError,
  SaleNotOpenError,
} from '../../shared/errors/domain-errors';
import { asDependencyFailure } from '../../shared/errors/driver-errors';
import type { Event } from '../events/event.model';
import { EventsService } from '../events/events.service';
import { Reservation, SeatInventory } from '../inventory/seat-inventory';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import { sha256Hex } from '../../shared/credentials';
import { assertQuantityAllowed, saleRefusal } from './sale-rules';
import { newReference, secretFor } from './booking-credentials';
import { BatchAnswer, BatchCommitLost, BookingBatcher } from './batching/booking-batcher';
import type { BookingOutcome } from './booking-outcome';
import type { StoredBooking } from './booking.model';
import { CreateBookingDto } from './dto/create-booking.dto';
import { IdempotentBookings } from './idempotent-bookings';
import { EventCancelledRefusal } from './persistence/cancelled-event-refusal';
import {
  BookingsRepository,
  CustomerLimitExceededError,
  DuplicateIdempotencyKeyError,
  NewBooking,
} from './persistence/bookings.repository';

/** `book`: seats confirmed at once. `hold`: seats held for checkout until confirmed, released or expired. */
export type BookingMode = 'book' | 'hold';

/** A booking's Idempotency-Key as the service keeps it: the raw key derives the secret, only hashes are stored. */
interface IdempotencyContext {
  key: string;
  keyHash: string;
  requestHash: string;
}

/**
 * Booking seats: validate, load the event, reserve seats (SeatInventory), write
 * the booking and its tickets to MySQL inside the reservation, and resolve a
 * commit whose answer was lost by asking MySQL. Answers a BookingOutcome; the
 * controller makes HTTP of it.
 */
@Injectable()
export class BookingsService {
  private readonly logger = new Logger(BookingsService.name);

  constructor(
    private readonly events: EventsService,
    private readonly inventory: SeatInventory,
    private readonly repository: BookingsRepository,
    private readonly idempotency: IdempotentBookings,
    private readonly metrics: SeatguardMetrics,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
    private readonly batcher: BookingBatcher,
  ) {}

  async create(eventId: number, input: CreateBookingDto, idempotencyKey?: string, mode: BookingMode = 'book'): Promise<BookingOutcome> {
    const started = process.hrtime.bigint();
    const deadline = Deadline.in(this.config.deadlineMs);
    let strategy = 'unknown';
    let outcome = 'error';
    try {
      assertQuantityAllowed(input.quantity, this.config.maxTicketsPerBooking);
      const event = await this.events.findForBooking(eventId, deadline);
      strategy = event.strategy;
      // Before the opening nothing can be replayed: refused at once, no round trip. A closed or cancelled sale is
      // checked after the replay lookup for keyed requests, so a booking made in time is still answered.
      const refusal = saleRefusal(event, Date.now());
      if (refusal && (!idempotencyKey || refusal instanceof SaleNotOpenError)) throw refusal;
      const result = idempotencyKey
        ? await this.bookIdempotent(event, input, idempotencyKey, mode, deadline)
        : await this.book(event, input, null, mode, deadline);
      outcome = result.kind === 'booked' ? '201' : '409';
      return result;
    } catch (error) {
      // The one place a driver's error becomes a domain error on the booking path.
      const failure = asDependencyFailure(error) ?? error;
      const status = (failure as { status?: number }).status;
      outcome = typeof status === 'number' ? String(status) : 'error';
      throw failure;
    } finally {
      this.metrics.bookings.inc({ strategy, outcome });
      this.metrics.bookingSeconds.observe({ strategy, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private bookIdempotent(
    event: Event,
    input: CreateBookingDto,
    key: string,
    mode: BookingMode,
    deadline: Deadline,
  ): Promise<BookingOutcome> {
    const idem: IdempotencyContext = {
      key,
      keyHash: sha256Hex(key),
      // The mode is part of the request: a key used for a hold never replays as a booking.
      requestHash: sha256Hex(
        JSON.stringify(
          mode === 'book' ? [event.id, input.customerEmail, input.quantity] : [event.id, input.customerEmail, input.quantity, mode],
        ),
      ),
    };
    // MySQL decides: a booking made with this key is the answer, whatever Redis remembers.
    const fromMysql = async (): Promise<BookingOutcome | null> => {
      const existing = await this.repository.findByIdempotencyKey(event.id, idem.keyHash, deadline);
      return existing ? this.replay(existing, idem) : null;
    };
    return this.idempotency.run(
      event.id,
      idem.keyHash,
      idem.requestHash,
      deadline,
      async () => (await fromMysql()) ?? this.book(event, input, idem, mode, deadline),
      fromMysql,
    );
  }

  private async book(
    event: Event,
    input: CreateBookingDto,
    idem: IdempotencyContext | null,
    mode: BookingMode,
    deadline: Deadline,
  ): Promise<BookingOutcome> {
    const refusal = saleRefusal(event, Date.now());
    if (refusal) throw refusal;
    await this.checkCustomerLimit(event, input, deadline);
    try {
      const reserved = this.batcher.enabled
        ? await this.reserveInBatch(event, input, idem, mode, deadline)
        : await this.reserveAlone(event, input, idem, mode, deadline);
      if (reserved.kind === 'sold-out') return { kind: 'sold-out', available: reserved.available, requested: input.quantity };
      return reserved.value;
    } catch (error) {
      if (error instanceof CustomerLimitExceededError) throw new CustomerLimitError(event.maxPerCustomer ?? 0);
      // MySQL refused it: the event was cancelled after this instance read it (the seats went back to a closed pool).
      if (error instanceof EventCancelledRefusal) throw new EventCancelledError(event.id);
      if (error instanceof DuplicateIdempotencyKeyError && idem) {
        // A concurrent request with the same key (past its Redis claim) booked first.
        const existing = await this.repository.findByIdempotencyKey(event.id, idem.keyHash, deadline);
        if (existing) return this.replay(existing, idem);
      }
      throw error;
    }
  }

  /** One booking at a time: its own Redis step and its own MySQL transaction. */
  private reserveAlone(
    event: Event,
    input: CreateBookingDto,
    idem: IdempotencyContext | null,
    mode: BookingMode,
    deadline: Deadline,
  ): Promise<Reservation<BookingOutcome>> {
    return this.inventory.reserve({ eventId: event.id, strategy: event.strategy, quantity: input.quantity, deadline }, (seats) =>
      this.write(event, input, idem, seats, mode, deadline),
    );
  }

  /**
   * Group commit (BOOKING_BATCH_MAX > 1): the booking joins its event's next
   * batch on this instance and gets its own answer from it. A lost COMMIT
   * reply is settled by this booking's reference, as alone; a booking the
   * batch could not settle goes alone.
   */
  private async reserveInBatch(
    event: Event,
    input: CreateBookingDto,
    idem: IdempotencyContext | null,
    mode: BookingMode,
    deadline: Deadline,
  ): Promise<Reservation<BookingOutcome>> {
    const reference = newReference();
    const secret = secretFor(reference, idem);
    let answer: BatchAnswer;
    try {
      answer = await this.batcher.book({
        eventId: event.id,
        strategy: event.strategy,
        quantity: input.quantity,
        deadline,
        draft: (seats) => this.newBooking(event, input, idem, seats, mode, reference, secret),
      });
    } catch (error) {
      if (!(error instanceof BatchCommitLost)) throw error;
      // Settled by this booking's own reference, as alone (LostCommitSettler); seats that did not sell go back.
      const settled = this.settleLostCommit(event.id, reference, error.seats, secret, deadline, error.lost, () =>
        this.batcher.giveBack(event.id, error.seats),
      );
      return { kind: 'committed', value: await settled };
    }
    if (answer.kind === 'alone') return this.reserveAlone(event, input, idem, mode, deadline);
    if (answer.kind === 'sold-out') {
      await this.inventory.assertSoldOut(event.id, input.quantity, answer.available);
      return answer;
    }
    return { kind: 'committed', value: { kind: 'booked', booking: answer.booking, secret } };
  }

  private newBooking(
    event: Event,
    input: CreateBookingDto,
    idem: IdempotencyContext | null,
    seats: number[],
    mode: BookingMode,
    reference: string,
    secret: string,
  ): NewBooking {
    return {
      reference,
      secretHash: sha256Hex(secret),
      eventId: event.id,
      customerEmail: input.customerEmail,
      quantity: input.quantity,
      seats,
      strategy: event.strategy,
      idempotencyKeyHash: idem?.keyHash ?? null,
      requestHash: idem?.requestHash ?? null,
      maxPerCustomer: event.maxPerCustomer,
      holdUntil: mode === 'hold' ? new Date(Math.floor(Date.now()) + (event.checkoutHoldTtlMs ?? this.config.checkoutHoldTtlMs)) : null,
    };
  }

  private async write(
    event: Event,
    input: CreateBookingDto,
    idem: IdempotencyContext | null,
    seats: number[],
    mode: BookingMode,
    deadline: Deadline,
  ): Promise<BookingOutcome> {
    const reference = newReference();
    const secret = secretFor(reference, idem);
    deadline.throwIfExpired('writing the booking');
    try {
      const booking = await this.repository.insert(
        this.newBooking(event, input, idem, seats, mode, reference, secret),
        // Keep time to ask MySQL what became of a COMMIT whose answer is lost.
        deadline.shortenedBy(Math.min(500, Math.floor(this.config.deadlineMs / 4))),
      );
      return { kind: 'booked', booking, secret };
    } catch (error) {
      // Not committed: SeatInventory.reserve gives the seats back when this rethrows a definite failure.
      if (error instanceof AmbiguousCommitError) return this.settleLostCommit(event.id, reference, seats, secret, deadline, error);
      throw error;
    }
  }

  /**
   * The COMMIT reached MySQL and its answer was lost. MySQL is asked, once
   * the lost transaction can no longer commit late (LostCommitSettler), what
   * became of the booking: committed, the buyer has it; not committed, the
   * seats go back at once and the answer is a definite 503. If MySQL cannot
   * be asked in time, the seats are in limbo: kept (BookingOutcomeUnknownError
   * says they may be sold) and settled by reference as soon as MySQL answers
   * again; the buyer learns the outcome by retrying with the same Idempotency-Key.
   */
  private async settleLostCommit(
    eventId: number,
    reference: string,
    seats: number[],
    secret: string,
    deadline: Deadline,
    lost: AmbiguousCommitError,
    giveBack: () => Promise<void> = () => Promise.resolve(),
  ): Promise<BookingOutcome> {
    let found;
    try {
      found = await this.repository.settleInsert(reference, lost, deadline);
    } catch (unanswered) {
      this.metrics.ambiguousCommits.inc({ resolution: 'unknown' });
      this.logger.warn({ reference, err: lost, unanswered }, 'commit answer lost and MySQL not answering; seats in limbo until it does');
      this.inventory.settleLater(eventId, seats, async () => (await this.repository.settleInsert(reference, lost)) !== null);
      throw new BookingOutcomeUnknownError();
    }
    if (found) {
      this.metrics.ambiguousCommits.inc({ resolution: 'committed' });
      this.logger.warn({ reference }, 'commit answer lost; MySQL has the booking');
      return { kind: 'booked', booking: found, secret };
    }
    this.metrics.ambiguousCommits.inc({ resolution: 'not-committed' });
    this.logger.warn({ reference }, 'commit answer lost; MySQL has no booking, seats back on sale');
    await giveBack();
    throw new DependencyUnavailableError('mysql', lost);
  }

  /** The fast path: a customer already at the limit takes no seats. The transaction has the final word. */
  private async checkCustomerLimit(event: Event, input: CreateBookingDto, deadline: Deadline): Promise<void> {
    if (event.maxPerCustomer === null) return;
    const held = await this.repository.liveSeatsOf(event.id, input.customerEmail, deadline);
    if (held + input.quantity > event.maxPerCustomer) throw new CustomerLimitError(event.maxPerCustomer);
  }

  private replay(existing: StoredBooking, idem: IdempotencyContext): BookingOutcome {
    if (existing.requestHash !== idem.requestHash) throw new IdempotencyKeyReusedError();
    const secret = secretFor(existing.reference, idem);
    // Bookings from before ownership existed have no secret to give back.
    return { kind: 'booked', booking: existing, secret: existing.secretHash === sha256Hex(secret) ? secret : null };
  }
}
