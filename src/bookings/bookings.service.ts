import { Inject, Injectable, Logger } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { Deadline } from '../common/deadline';
import { asDependencyFailure } from '../common/dependency-failure';
import { soldOut } from '../common/http/error-body';
import {
  BookingOutcomeUnknownError,
  CustomerLimitError,
  DependencyUnavailableError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  InventoryUnsettledError,
} from '../common/domain-errors';
import { AmbiguousCommitError } from '../database/bounded-sql';
import type { Event } from '../events/event.model';
import { EventsService } from '../events/events.service';
import { AvailabilityMemo } from '../inventory/availability-memo';
import { InventoryRebuilder } from '../inventory/inventory-rebuilder';
import { InventoryStore, TakeOutcome } from '../inventory/inventory-store';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';
import type { BookingStrategy } from '../strategies/booking-strategy';
import { StrategyRegistry } from '../strategies/strategy-registry';
import { newReference, secretFor, sha256Hex } from './booking-credentials';
import type { StoredBooking } from './booking.model';
import { BookingResponse } from './dto/booking.response';
import { CreateBookingDto } from './dto/create-booking.dto';
import { IdempotencyService, StoredResponse } from './idempotency.service';
import {
  BookingsRepository,
  CustomerLimitExceededError,
  DuplicateIdempotencyKeyError,
  SeatAlreadyTakenError,
} from './persistence/bookings.repository';

const MAX_INVENTORY_REBUILDS = 3;
const MAX_SEAT_CONFLICTS = 3;

/** A booking's Idempotency-Key as the service keeps it: the raw key derives the secret, only hashes are stored. */
interface IdempotencyContext {
  key: string;
  keyHash: string;
  requestHash: string;
}

/**
 * A booking: take seats from the Redis pool with the event's strategy, then
 * write booking and tickets in one MySQL transaction. Whatever fails before
 * COMMIT gives the seats back; a COMMIT whose answer was lost is resolved by
 * asking MySQL, and its seats are never given back blindly.
 */
@Injectable()
export class BookingsService {
  private readonly logger = new Logger(BookingsService.name);

  constructor(
    private readonly events: EventsService,
    private readonly strategies: StrategyRegistry,
    private readonly store: InventoryStore,
    private readonly memo: AvailabilityMemo,
    private readonly rebuilder: InventoryRebuilder,
    private readonly repository: BookingsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly metrics: SeatguardMetrics,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {}

  async create(eventId: number, input: CreateBookingDto, idempotencyKey?: string): Promise<StoredResponse> {
    const started = process.hrtime.bigint();
    const deadline = Deadline.in(this.config.deadlineMs);
    let strategyName = 'unknown';
    let outcome = 'error';
    try {
      if (input.quantity > this.config.maxTicketsPerBooking) {
        throw new InvalidInputError(`quantity must not be greater than ${this.config.maxTicketsPerBooking}`);
      }
      const event = await this.events.findForBooking(eventId, deadline);
      strategyName = event.strategy;
      const response = idempotencyKey
        ? await this.createIdempotent(event, input, idempotencyKey, deadline)
        : await this.createOnce(event, input, null, deadline);
      outcome = String(response.status);
      return response;
    } catch (error) {
      const status = (error as { status?: number }).status;
      outcome = typeof status === 'number' ? String(status) : asDependencyFailure(error) ? '503' : 'error';
      throw asDependencyFailure(error) ?? error;
    } finally {
      this.metrics.bookings.inc({ strategy: strategyName, outcome });
      this.metrics.bookingSeconds.observe({ strategy: strategyName, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private createIdempotent(event: Event, input: CreateBookingDto, key: string, deadline: Deadline): Promise<StoredResponse> {
    const idem: IdempotencyContext = {
      key,
      keyHash: sha256Hex(key),
      requestHash: sha256Hex(JSON.stringify([event.id, input.customerEmail, input.quantity])),
    };
    // MySQL decides: a booking made with this key is the answer, whatever Redis remembers.
    const fromMysql = async (): Promise<StoredResponse | null> => {
      const existing = await this.repository.findByIdempotencyKey(event.id, idem.keyHash, deadline);
      return existing ? this.replay(existing, idem) : null;
    };
    return this.idempotency.run(
      event.id,
      idem.keyHash,
      idem.requestHash,
      deadline,
      async () => (await fromMysql()) ?? this.createOnce(event, input, idem, deadline),
      fromMysql,
    );
  }

  private async createOnce(event: Event, input: CreateBookingDto, idem: IdempotencyContext | null, deadline: Deadline): Promise<StoredResponse> {
    const strategy = this.strategies.get(event.strategy);
    await this.checkCustomerLimit(event, input, deadline);
    for (let conflicts = 0; ; conflicts++) {
      const taken = await this.takeSeats(strategy, event, input.quantity, deadline);
      // Most answers of a flash sale are this one: an answer, not an exception.
      if (taken.kind === 'sold-out') return soldOut(taken.available, input.quantity);
      const seats = taken.seats;
      const reference = newReference();
      const secret = secretFor(reference, idem);
      try {
        deadline.throwIfExpired('writing the booking');
        const booking = await this.repository.insertConfirmed(
          {
            reference,
            secretHash: sha256Hex(secret),
            eventId: event.id,
            customerEmail: input.customerEmail,
            quantity: input.quantity,
            seats,
            strategy: strategy.name,
            idempotencyKeyHash: idem?.keyHash ?? null,
            requestHash: idem?.requestHash ?? null,
            maxPerCustomer: event.maxPerCustomer,
          },
          strategy.name === 'unsafe',
          // Keep time to ask MySQL what became of a COMMIT whose answer is lost.
          deadline.shortenedBy(this.ambiguityReserveMs()),
        );
        return booked(booking, secret);
      } catch (error) {
        if (error instanceof AmbiguousCommitError) return this.resolveAmbiguousCommit(reference, secret, deadline, error);
        await this.giveBack(event.id, seats);
        if (error instanceof SeatAlreadyTakenError) {
          if (conflicts >= MAX_SEAT_CONFLICTS) throw new InventoryUnsettledError('seats kept turning out sold');
          // Redis offered a seat MySQL already has (inventory lost or stale): fix the pool, try again.
          this.logger.warn({ eventId: event.id, seats }, 'seat already ticketed; rebuilding the inventory');
          await this.rebuild(event.id, 'seat-conflict');
          continue;
        }
        if (error instanceof CustomerLimitExceededError) throw new CustomerLimitError(event.maxPerCustomer ?? 0);
        if (error instanceof DuplicateIdempotencyKeyError && idem) {
          const existing = await this.repository.findByIdempotencyKey(event.id, idem.keyHash, deadline);
          if (existing) return this.replay(existing, idem);
        }
        throw asDependencyFailure(error) ?? error;
      }
    }
  }

  /**
   * The COMMIT was sent and its answer lost. MySQL is asked (by the booking's
   * reference) whether it committed: if so, the buyer has it. If MySQL cannot
   * say in time, the seats stay reserved in Redis (the hold sweeper returns
   * them later only if MySQL has no ticket) and the buyer is told the outcome
   * is unknown, never that nothing was booked.
   */
  private async resolveAmbiguousCommit(reference: string, secret: string, deadline: Deadline, cause: AmbiguousCommitError): Promise<StoredResponse> {
    const found = await this.repository.findByReference(reference, deadline).catch(() => null);
    if (found) {
      this.metrics.ambiguousCommits.inc({ resolution: 'committed' });
      this.logger.warn({ reference }, 'commit answer lost; MySQL has the booking');
      return booked(found, secret);
    }
    this.metrics.ambiguousCommits.inc({ resolution: 'unknown' });
    this.logger.warn({ reference, err: cause }, 'commit answer lost; outcome unknown, seats left to the hold sweeper');
    throw new BookingOutcomeUnknownError();
  }

  private ambiguityReserveMs(): number {
    return Math.min(500, Math.floor(this.config.deadlineMs / 4));
  }

  private async takeSeats(
    strategy: BookingStrategy,
    event: Event,
    quantity: number,
    deadline: Deadline,
  ): Promise<Exclude<TakeOutcome, { kind: 'missing' }>> {
    for (let rebuilds = 0; rebuilds <= MAX_INVENTORY_REBUILDS; rebuilds++) {
      // Once the pool has run dry, most requests of a flash sale end here, whatever the strategy.
      const known = this.memo.soldOut(event.id, quantity);
      if (known) return known;
      let outcome;
      try {
        outcome = await strategy.takeSeats({
          eventId: event.id,
          quantity,
          deadline,
          holdUntil: Date.now() + this.config.holdTtlMs,
        });
      } catch (error) {
        throw asDependencyFailure(error) ?? error;
      }
      if (outcome.kind !== 'missing') return outcome;
      // A missing pool is never "sold out" nor "all free": MySQL decides.
      await this.rebuild(event.id, 'missing');
    }
    throw new DependencyUnavailableError('redis', new Error('inventory kept disappearing'));
  }

  private async rebuild(eventId: number, reason: string): Promise<void> {
    try {
      await this.rebuilder.rebuild(eventId, reason);
    } catch (error) {
      throw asDependencyFailure(error) ?? error;
    }
  }

  private async giveBack(eventId: number, seats: number[]): Promise<void> {
    // If this fails too, the holds expire and the sweeper returns the seats.
    await this.store.releaseHeld(eventId, seats).catch((error) =>
      this.logger.warn({ err: error, eventId, seats }, 'seats left to expire'),
    );
  }

  /** The fast path: a customer already at the limit takes no seats. The transaction has the final word. */
  private async checkCustomerLimit(event: Event, input: CreateBookingDto, deadline: Deadline): Promise<void> {
    if (event.maxPerCustomer === null) return;
    const held = await this.repository.confirmedQuantityOf(event.id, input.customerEmail, deadline);
    if (held + input.quantity > event.maxPerCustomer) throw new CustomerLimitError(event.maxPerCustomer);
  }

  private replay(existing: StoredBooking, idem: IdempotencyContext): StoredResponse {
    if (existing.requestHash !== idem.requestHash) throw new IdempotencyKeyReusedError();
    const secret = secretFor(existing.reference, idem);
    // Bookings from before ownership existed have no secret to give back.
    return booked(existing, existing.secretHash === sha256Hex(secret) ? secret : null);
  }
}

function booked(booking: StoredBooking, secret: string | null): StoredResponse {
  return { status: 201, body: BookingResponse.from(booking, secret) };
}
