import { Inject, Injectable } from '@nestjs/common';
import { REDIS_WATCH_POOL } from '../../../platform/redis/redis.tokens';
import { isSlotRedirection } from '../../../platform/redis/slot-redirection';
import { WatchConnections } from '../../../platform/redis/watch-connections';
import { SeatguardMetrics } from '../../../platform/metrics/seatguard-metrics';
import { seatKeys } from '../seat-keys';
import { SeatPool } from '../seat-pool';
import { EventTurns } from './event-turns';
import { AttemptOutcome, SeatRequest, SeatStrategy } from './seat-strategy';

/**
 * WATCH the pool, read it, MULTI/EXEC the change, on a connection borrowed
 * for this attempt alone (WATCH state belongs to a connection) and given back
 * before any backoff; on a cluster, a connection to the master of the event's
 * slot. A nil EXEC is a conflict: another booking changed the pool first. So
 * is a MOVED/ASK (the slot changed hands mid-attempt: nothing was written).
 * Attempts of this process on one event take turns (EventTurns).
 */
@Injectable()
export class OptimisticStrategy implements SeatStrategy {
  /** Its name in the API, in MySQL's events.strategy and in every list derived from STRATEGY_NAMES. */
  static readonly strategyName = 'optimistic';
  readonly name = OptimisticStrategy.strategyName;
  private readonly turns: EventTurns;

  constructor(
    @Inject(REDIS_WATCH_POOL) private readonly connections: WatchConnections,
    private readonly pool: SeatPool,
    private readonly metrics: SeatguardMetrics,
  ) {
    this.turns = new EventTurns(pool, 'waiting for an optimistic attempt');
  }

  async attempt({ eventId, quantity, reservedUntil, deadline }: SeatRequest): Promise<AttemptOutcome> {
    const outcome = await this.turns.take({ eventId, quantity, reservedUntil, deadline }, () =>
      this.watchedAttempt(eventId, quantity, reservedUntil),
    );
    if (outcome.kind === 'conflict') this.metrics.watchAborts.inc();
    return outcome;
  }

  private async watchedAttempt(eventId: number, quantity: number, reservedUntil: number): Promise<AttemptOutcome> {
    try {
      return await this.connections.withConnection(seatKeys(eventId).free, (connection) =>
        this.pool.takeWatched(connection, eventId, quantity, reservedUntil),
      );
    } catch (error) {
      if (isSlotRedirection(error)) return { kind: 'conflict', reason: "the event's slot moved to another master" };
      throw error;
    }
  }
}
