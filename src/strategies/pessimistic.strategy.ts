import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { retryUntilDeadline, RetryableConflict } from '../common/retry-until-deadline';
import { inventoryKeys } from '../inventory/inventory-keys';
import { AvailabilityMemo } from '../inventory/availability-memo';
import { peekPool } from '../inventory/peek-pool';
import { InventoryStore, TakeOutcome } from '../inventory/inventory-store';
import { DistributedLockService } from '../locking/distributed-lock.service';
import { LockLostError } from '../locking/lock-lease';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';
import { REDIS_CLIENT } from '../redis/redis.tokens';
import { BookingStrategy, SeatRequest } from './booking-strategy';
import { EventTurns } from './event-turns';

/**
 * A Redlock lock on the event; inside it, read the pool, choose the seats and
 * move them. If the lock is lost before the move, nothing was written and the
 * whole step is redone; the move itself is all-or-nothing, so even a lock that
 * expired unnoticed cannot hand one seat to two buyers.
 */
@Injectable()
export class PessimisticStrategy implements BookingStrategy {
  readonly name = 'pessimistic' as const;
  /** Only one booking per event and process competes for the Redlock lock at a time. */
  private readonly turns: EventTurns;

  constructor(
    private readonly locks: DistributedLockService,
    private readonly store: InventoryStore,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
    private readonly metrics: SeatguardMetrics,
    private readonly memo: AvailabilityMemo,
  ) {
    this.turns = new EventTurns(memo, 'waiting for the event lock');
  }

  async takeSeats(request: SeatRequest): Promise<TakeOutcome> {
    let attempts = 0;
    const outcome = await retryUntilDeadline(
      request.deadline,
      'event lock kept being lost',
      { startingDelayMs: 1, maxDelayMs: 25 },
      () => {
        attempts += 1;
        return this.turns.take(request, () =>
          this.locks.withLock(inventoryKeys(request.eventId).lock, request.deadline, (lease) =>
            this.criticalSection(request, attempts, () => lease.assertHeld()),
          ),
        );
      },
    );
    this.metrics.attemptsPerBooking.observe({ strategy: this.name }, attempts);
    return outcome;
  }

  private async criticalSection(
    { eventId, quantity, holdUntil }: SeatRequest,
    attempt: number,
    assertHeld: () => void,
  ): Promise<TakeOutcome> {
    const { exists, available, lowest } = await peekPool(this.redis, eventId, quantity);
    if (!exists) return { kind: 'missing' };
    this.memo.record(eventId, available);
    if (available < quantity) return { kind: 'sold-out', available };
    if (this.config.criticalSectionDelayMs > 0 && attempt === 1) stallEventLoop(this.config.criticalSectionDelayMs);
    try {
      assertHeld();
    } catch (error) {
      if (error instanceof LockLostError) throw new RetryableConflict(error.message);
      throw error;
    }
    const seats = lowest.map(Number);
    const moved = await this.store.moveToHeld(eventId, seats, holdUntil);
    if (moved === -1) return { kind: 'missing' };
    if (moved === 0) throw new RetryableConflict('seats were taken while the lock was not held');
    this.memo.record(eventId, available - quantity);
    return { kind: 'taken', seats };
  }
}

/**
 * Test-only (TEST_CRITICAL_SECTION_DELAY_MS, refused in production): a blocking
 * stall, like a long GC pause, on a booking's first attempt. Blocking matters:
 * while the event loop is stuck the lock cannot be extended, so it really
 * expires under the holder's feet and another instance takes it.
 */
function stallEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
