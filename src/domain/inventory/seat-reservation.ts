import { Inject, Injectable, Logger } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../../platform/config/configuration';
import { retryUntilDeadline, RetryableConflict, RetryPolicy } from '../../platform/concurrency/retry-until-deadline';
import { EventCancelledError, InventoryUnsettledError, SeatsInLimboError } from '../../shared/errors/domain-errors';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import { ReservationSweeper } from './reservation-sweeper';
import { InventoryRebuilder } from './inventory-rebuilder';
import { Reservation, ReserveRequest, SeatAlreadyTakenError, SeatInventory, seatsMayBeSold } from './seat-inventory';
import { SeatPool } from './seat-pool';
import { SeatsInLimbo } from './seats-in-limbo';
import { StrategyRegistry } from './strategies/strategy-registry';

/** Rebuilds of a missing pool, and seat conflicts found by MySQL, tolerated per reservation. */
const MAX_REBUILDS = 3;
const MAX_SEAT_CONFLICTS = 3;
/** The one retry policy of a reservation: full-jitter exponential backoff, capped, until the deadline. */
const BACKOFF: RetryPolicy = { startingDelayMs: 1, maxDelayMs: 25 };

/**
 * The one reservation step, the same for every strategy: sold-out memo →
 * the strategy's attempt → rebuild if the pool is missing → commit → give back
 * if the commit fails; conflicts back off and retry within the deadline.
 */
@Injectable()
export class SeatReservation extends SeatInventory {
  private readonly logger = new Logger(SeatReservation.name);

  constructor(
    private readonly registry: StrategyRegistry,
    private readonly pool: SeatPool,
    private readonly rebuilder: InventoryRebuilder,
    private readonly sweeper: ReservationSweeper,
    private readonly limbo: SeatsInLimbo,
    private readonly metrics: SeatguardMetrics,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {
    super();
  }

  async reserve<T>(request: ReserveRequest, commit: (seats: number[]) => Promise<T>): Promise<Reservation<T>> {
    const { eventId, quantity, deadline } = request;
    const strategy = this.registry.get(request.strategy);
    let attempts = 0;
    let rebuilds = 0;
    let seatConflicts = 0;
    try {
      return await retryUntilDeadline(deadline, `taking seats (${strategy.name})`, BACKOFF, async (): Promise<Reservation<T>> => {
        // Once the pool has run dry, most requests of a flash sale end here, whatever the strategy.
        const known = this.pool.knownSoldOut(eventId, quantity);
        if (known) return this.soldOutUnlessInLimbo(eventId, quantity, known);
        attempts += 1;
        const outcome = await strategy.attempt({ eventId, quantity, deadline, reservedUntil: Date.now() + this.config.reservationTtlMs });
        switch (outcome.kind) {
          case 'sold-out':
            return this.soldOutUnlessInLimbo(eventId, quantity, outcome);
          case 'closed':
            // Whatever this instance's copy of the event says: the pool was closed by its cancellation.
            throw new EventCancelledError(eventId);
          case 'conflict':
            throw new RetryableConflict(outcome.reason);
          case 'missing':
            // A missing pool is never "sold out" nor "all free": MySQL decides.
            if (++rebuilds > MAX_REBUILDS) throw new InventoryUnsettledError('the inventory kept disappearing');
            await this.rebuilder.rebuild(eventId, 'missing');
            throw new RetryableConflict('inventory rebuilt');
          case 'taken':
            try {
              return { kind: 'committed', value: await commit(outcome.seats) };
            } catch (error) {
              if (seatsMayBeSold(error)) throw error;
              await this.giveBack(eventId, outcome.seats);
              if (!(error instanceof SeatAlreadyTakenError)) throw error;
              if (++seatConflicts > MAX_SEAT_CONFLICTS) throw new InventoryUnsettledError('seats kept turning out sold');
              // Redis offered a seat MySQL already has (inventory lost or stale): fix the pool, try again.
              this.logger.warn({ eventId, seats: outcome.seats }, 'seat already ticketed; rebuilding the inventory');
              await this.rebuilder.rebuild(eventId, 'seat-conflict');
              throw new RetryableConflict('inventory rebuilt after a seat conflict');
            }
        }
      });
    } finally {
      this.metrics.attemptsPerBooking.observe({ strategy: strategy.name }, attempts);
    }
  }

  /** SOLD_OUT only when it is true: seats in limbo that could serve this request make it a short 503 instead. */
  private async soldOutUnlessInLimbo(eventId: number, quantity: number, soldOut: { kind: 'sold-out'; available: number }) {
    await this.assertSoldOut(eventId, quantity, soldOut.available);
    return soldOut;
  }

  async assertSoldOut(eventId: number, quantity: number, available: number): Promise<void> {
    const inLimbo = await this.limbo.anywhere(eventId);
    if (inLimbo > 0 && available + inLimbo >= quantity) throw new SeatsInLimboError(available, inLimbo, quantity);
  }

  settleLater(eventId: number, seats: number[], committed: () => Promise<boolean>): void {
    this.limbo.add(eventId, seats, committed);
  }

  reconcileLater(eventId: number, reason: string): void {
    this.sweeper.requestReconcile(eventId, reason);
  }

  async returnCancelled(eventId: number, seats: number[]): Promise<void> {
    if (seats.length === 0) return;
    await this.pool.returnCancelled(eventId, seats).catch((error: unknown) => {
      // MySQL already freed them; the inventory catches up by reconciliation.
      this.logger.warn({ err: error, eventId }, 'cancelled seats not returned to Redis yet');
      this.sweeper.requestReconcile(eventId);
    });
  }

  async freeSeats(eventId: number): Promise<number | null> {
    const view = await this.pool.peek(eventId, 1);
    if (view.closed) return 0;
    return view.exists ? view.available : null;
  }

  async close(eventId: number): Promise<void> {
    await this.pool.close(eventId);
  }

  rebuild(eventId: number, reason: string): Promise<number> {
    return this.rebuilder.rebuild(eventId, reason);
  }

  async matchCapacity(eventId: number, capacity: number): Promise<void> {
    try {
      // A missing pool is built from MySQL by the next booking; only a pool of another size is wrong.
      const built = await this.pool.builtCapacity(eventId);
      if (built !== null && built !== capacity) await this.rebuilder.rebuild(eventId, 'capacity-changed');
    } catch (error) {
      this.logger.warn({ err: error, eventId }, 'inventory not rebuilt after a capacity change; the reservation sweeper retries');
      this.sweeper.requestReconcile(eventId, 'capacity-changed');
    }
  }

  assertKnownStrategy(name: string): void {
    this.registry.assertKnown(name);
  }

  private async giveBack(eventId: number, seats: number[]): Promise<void> {
    // If this fails too, the reservations expire and the sweeper returns the seats.
    await this.pool
      .releaseReserved(eventId, seats)
      .catch((error: unknown) => this.logger.warn({ err: error, eventId, seats }, 'seats left to expire'));
  }
}
