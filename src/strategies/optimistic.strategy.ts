import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { retryUntilDeadline, RetryableConflict } from '../common/retry-until-deadline';
import { inventoryKeys } from '../inventory/inventory-keys';
import { AvailabilityMemo } from '../inventory/availability-memo';
import { peekPool } from '../inventory/peek-pool';
import { TakeOutcome } from '../inventory/inventory-store';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';
import { REDIS_WATCH_POOL } from '../redis/redis.tokens';
import { WatchConnectionPool } from '../redis/watch-connection-pool';
import { BookingStrategy, SeatRequest } from './booking-strategy';
import { EventTurns } from './event-turns';

/**
 * WATCH the pool, read it, MULTI/EXEC the change. A nil EXEC means another
 * booking changed the pool first: back off (jittered, exponential, capped) and
 * try again until the deadline. Each attempt borrows its own connection and
 * gives it back before sleeping.
 * Attempts of this process on one event take turns (EventTurns).
 */
@Injectable()
export class OptimisticStrategy implements BookingStrategy {
  readonly name = 'optimistic' as const;

  private readonly turns: EventTurns;

  constructor(
    @Inject(REDIS_WATCH_POOL) private readonly pool: WatchConnectionPool,
    private readonly metrics: SeatguardMetrics,
    private readonly memo: AvailabilityMemo,
  ) {
    this.turns = new EventTurns(memo, 'waiting for an optimistic attempt');
  }

  async takeSeats(request: SeatRequest): Promise<TakeOutcome> {
    let attempts = 0;
    const outcome = await retryUntilDeadline(
      request.deadline,
      'optimistic transaction kept conflicting',
      { startingDelayMs: 1, maxDelayMs: 25 },
      () => {
        attempts += 1;
        return this.turns.take(request, () => this.pool.withConnection((connection) => this.attempt(connection, request)));
      },
      () => this.metrics.watchAborts.inc(),
    );
    this.metrics.attemptsPerBooking.observe({ strategy: this.name }, attempts);
    return outcome;
  }

  private async attempt(connection: Redis, { eventId, quantity, holdUntil }: SeatRequest): Promise<TakeOutcome> {
    const k = inventoryKeys(eventId);
    await connection.watch(k.free, k.meta);
    const { exists, available, lowest } = await peekPool(connection, eventId, quantity);
    if (!exists) {
      await connection.unwatch();
      return { kind: 'missing' };
    }
    this.memo.record(eventId, available);
    if (available < quantity) {
      await connection.unwatch();
      return { kind: 'sold-out', available };
    }
    const holds = lowest.flatMap((seat) => [holdUntil, seat]);
    const committed = await connection.multi().zrem(k.free, ...lowest).zadd(k.held, ...holds).exec();
    if (committed === null) throw new RetryableConflict('pool changed between WATCH and EXEC');
    this.memo.record(eventId, available - quantity);
    return { kind: 'taken', seats: lowest.map(Number) };
  }
}
