import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { Deadline } from '../common/deadline';
import { asDependencyFailure } from '../common/dependency-failure';
import { soldOut } from '../common/http/error-body';
import {
  BookingNotFoundError,
  CustomerLimitError,
  DependencyUnavailableError,
  IdempotencyKeyReusedError,
  InvalidInputError,
} from '../common/domain-errors';
import type { Event } from '../events/event.model';
import { EventsService } from '../events/events.service';
import { AvailabilityMemo } from '../inventory/availability-memo';
import { HoldSweeper } from '../inventory/hold-sweeper';
import { InventoryRebuilder } from '../inventory/inventory-rebuilder';
import { InventoryStore, TakeOutcome } from '../inventory/inventory-store';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';
import type { BookingStrategy } from '../strategies/booking-strategy';
import { StrategyRegistry } from '../strategies/strategy-registry';
import type { Booking } from './booking.model';
import { BookingResponse } from './dto/booking.response';
import { CreateBookingDto } from './dto/create-booking.dto';
import { IdempotencyService, StoredResponse } from './idempotency.service';
import { BookingsRepository, DuplicateIdempotencyKeyError, SeatAlreadyTakenError } from './persistence/bookings.repository';

const MAX_INVENTORY_REBUILDS = 3;
const MAX_SEAT_CONFLICTS = 3;

/**
 * A booking: take seats from the Redis pool with the event's strategy, then
 * write booking and tickets in one MySQL transaction. Whatever fails after
 * the seats were taken gives them back.
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
    private readonly sweeper: HoldSweeper,
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
      const event = await this.events.findForBooking(eventId);
      strategyName = event.strategy;
      const response = idempotencyKey
        ? await this.createIdempotent(event, input, idempotencyKey, deadline)
        : await this.createOnce(event, input, null, null, deadline);
      outcome = String(response.status);
      return response;
    } catch (error) {
      const status = (error as { status?: number }).status;
      outcome = typeof status === 'number' ? String(status) : (asDependencyFailure(error) ? '503' : 'error');
      throw error;
    } finally {
      this.metrics.bookings.inc({ strategy: strategyName, outcome });
      this.metrics.bookingSeconds.observe({ strategy: strategyName, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async get(id: number): Promise<BookingResponse> {
    const booking = await this.repository.findById(id);
    if (!booking) throw new BookingNotFoundError(id);
    return BookingResponse.from(booking);
  }

  /** Cancelling twice is harmless: the second call returns the cancelled booking. */
  async cancel(id: number): Promise<BookingResponse> {
    const result = await this.repository.cancel(id);
    if (!result) throw new BookingNotFoundError(id);
    if (result.seatsFreed.length > 0) {
      await this.store.returnCancelled(result.booking.eventId, result.seatsFreed).catch((error) => {
        // MySQL already freed them; the inventory catches up by reconciliation.
        this.logger.warn({ err: error, bookingId: id }, 'cancelled seats not returned to Redis yet');
        this.sweeper.requestReconcile(result.booking.eventId);
      });
    }
    return BookingResponse.from(result.booking);
  }

  private createIdempotent(event: Event, input: CreateBookingDto, key: string, deadline: Deadline): Promise<StoredResponse> {
    const hash = createHash('sha256')
      .update(JSON.stringify([event.id, input.customerEmail, input.quantity]))
      .digest('hex');
    return this.idempotency.run(event.id, key, hash, deadline, async () => {
      // Redis may have forgotten the key (restart); MySQL has not.
      const existing = await this.repository.findByIdempotencyKey(event.id, key);
      if (existing) return this.replay(existing, hash);
      return this.createOnce(event, input, key, hash, deadline);
    });
  }

  private async createOnce(
    event: Event,
    input: CreateBookingDto,
    idempotencyKey: string | null,
    requestHash: string | null,
    deadline: Deadline,
  ): Promise<StoredResponse> {
    const strategy = this.strategies.get(event.strategy);
    await this.checkCustomerLimit(event, input);
    for (let conflicts = 0; ; conflicts++) {
      const taken = await this.takeSeats(strategy, event, input.quantity, deadline);
      // Most answers of a flash sale are this one: an answer, not an exception.
      if (taken.kind === 'sold-out') return soldOut(taken.available, input.quantity);
      const seats = taken.seats;
      try {
        deadline.throwIfExpired('writing the booking');
        const booking = await this.repository.insertConfirmed(
          { eventId: event.id, customerEmail: input.customerEmail, quantity: input.quantity, seats, strategy: strategy.name, idempotencyKey, requestHash },
          strategy.name === 'unsafe',
        );
        return { status: 201, body: BookingResponse.from(booking) };
      } catch (error) {
        await this.giveBack(event.id, seats);
        if (error instanceof SeatAlreadyTakenError && conflicts < MAX_SEAT_CONFLICTS) {
          // Redis offered a seat MySQL already has (inventory lost or stale): fix the pool, try again.
          this.logger.warn({ eventId: event.id, seats }, 'seat already ticketed; rebuilding the inventory');
          await this.rebuild(event.id, 'seat-conflict');
          continue;
        }
        if (error instanceof DuplicateIdempotencyKeyError && idempotencyKey) {
          const existing = await this.repository.findByIdempotencyKey(event.id, idempotencyKey);
          if (existing && requestHash) return this.replay(existing, requestHash);
        }
        throw asDependencyFailure(error) ?? error;
      }
    }
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

  private async checkCustomerLimit(event: Event, input: CreateBookingDto): Promise<void> {
    if (event.maxPerCustomer === null) return;
    const held = await this.repository.confirmedQuantityOf(event.id, input.customerEmail);
    if (held + input.quantity > event.maxPerCustomer) throw new CustomerLimitError(event.maxPerCustomer);
  }

  private replay(existing: Booking & { requestHash: string | null }, hash: string): StoredResponse {
    if (existing.requestHash !== hash) throw new IdempotencyKeyReusedError();
    return { status: 201, body: BookingResponse.from(existing) };
  }
}
