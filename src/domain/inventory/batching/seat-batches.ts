import { Inject, Injectable, Logger } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../../../platform/config/configuration';
import type { Deadline } from '../../../platform/concurrency/deadline';
import { retryUntilDeadline, RetryableConflict, RetryPolicy } from '../../../platform/concurrency/retry-until-deadline';
import { EventCancelledError, InventoryUnsettledError } from '../../../shared/errors/domain-errors';
import { SeatguardMetrics } from '../../../platform/metrics/seatguard-metrics';
import { InventoryRebuilder } from '../inventory-rebuilder';
import { SeatPool } from '../seat-pool';
import { AtomicBatchStep } from './atomic-batch.step';
import type { BatchSeatStep } from './batch-seat-step';
import { OptimisticBatchStep } from './optimistic-batch.step';
import { PessimisticBatchStep } from './pessimistic-batch.step';
import type { SeatShare } from './seat-shares';

const MAX_REBUILDS = 3;
/** The same backoff as a single reservation's (SeatReservation). */
const BACKOFF: RetryPolicy = { startingDelayMs: 1, maxDelayMs: 25 };

export interface BatchSeatRequest {
  eventId: number;
  strategy: string;
  quantities: number[];
  /** The batch's deadline (its earliest booking's). */
  deadline: Deadline;
}

/**
 * Seats for a whole batch of one event (group commit): the sold-out memo
 * first (no round trip once the pool ran dry), then the strategy's batch
 * step, retried after a conflict with the usual backoff and after a rebuild
 * when the pool is missing. Answers one share per booking, in order; null
 * when the strategy has no batch step (its bookings go one at a time).
 */
@Injectable()
export class SeatBatches {
  private readonly logger = new Logger(SeatBatches.name);
  private readonly steps: Map<string, BatchSeatStep>;

  constructor(
    atomic: AtomicBatchStep,
    pessimistic: PessimisticBatchStep,
    optimistic: OptimisticBatchStep,
    private readonly pool: SeatPool,
    private readonly rebuilder: InventoryRebuilder,
    private readonly metrics: SeatguardMetrics,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {
    this.steps = new Map([atomic, pessimistic, optimistic].map((step) => [step.strategy, step]));
  }

  supports(strategy: string): boolean {
    return this.steps.has(strategy);
  }

  async take(request: BatchSeatRequest): Promise<SeatShare[]> {
    const { eventId, quantities, deadline } = request;
    const step = this.steps.get(request.strategy);
    if (!step) throw new Error(`no batch step for strategy ${request.strategy}`);
    const shares: (SeatShare | null)[] = quantities.map((q) => this.pool.knownSoldOut(eventId, q));
    const open = shares.flatMap((share, i) => (share ? [] : [i]));
    if (open.length === 0) return shares as SeatShare[];
    let attempts = 0;
    let rebuilds = 0;
    try {
      const taken = await retryUntilDeadline(deadline, `taking seats for a batch (${step.strategy})`, BACKOFF, async () => {
        attempts += 1;
        const outcome = await step.take(
          eventId,
          open.map((i) => quantities[i]),
          Date.now() + this.config.reservationTtlMs,
        );
        if (outcome.kind === 'conflict') throw new RetryableConflict(outcome.reason);
        // Whatever this instance's copy of the event says: the pool was closed by its cancellation.
        if (outcome.kind === 'closed') throw new EventCancelledError(eventId);
        if (outcome.kind === 'missing') {
          if (++rebuilds > MAX_REBUILDS) throw new InventoryUnsettledError('the inventory kept disappearing');
          await this.rebuilder.rebuild(eventId, 'missing');
          throw new RetryableConflict('inventory rebuilt');
        }
        return outcome.shares;
      });
      open.forEach((i, n) => (shares[i] = taken[n]));
      return shares as SeatShare[];
    } finally {
      for (let n = 0; n < open.length; n += 1) this.metrics.attemptsPerBooking.observe({ strategy: step.strategy }, attempts);
    }
  }

  /** Compensation: these seats' bookings were not written. If Redis refuses, their reservations expire and the sweeper returns them. */
  async giveBack(eventId: number, seats: number[]): Promise<void> {
    if (seats.length === 0) return;
    await this.pool
      .releaseReserved(eventId, seats)
      .catch((error: unknown) => this.logger.warn({ err: error, eventId, seats }, 'seats left to expire'));
  }
}
