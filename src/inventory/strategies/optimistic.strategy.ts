import { Inject, Injectable } from '@nestjs/common';
import { REDIS_WATCH_POOL } from '../../redis/redis.tokens';
import { WatchConnectionPool } from '../../redis/watch-connection-pool';
import { SeatguardMetrics } from '../../metrics/seatguard-metrics';
import { SeatPool } from '../seat-pool';
import { EventTurns } from './event-turns';
import { AttemptOutcome, SeatRequest, SeatStrategy } from './seat-strategy';

/**
 * WATCH the pool, read it, MULTI/EXEC the change, on a connection borrowed
 * for this attempt alone (WATCH state belongs to a connection) and given back
 * before any backoff. A nil EXEC is a conflict: another booking changed the
 * pool first. Attempts of this process on one event take turns (EventTurns).
 */
@Injectable()
export class OptimisticStrategy implements SeatStrategy {
  readonly name = 'optimistic';
  private readonly turns: EventTurns;

  constructor(
    @Inject(REDIS_WATCH_POOL) private readonly connections: WatchConnectionPool,
    private readonly pool: SeatPool,
    private readonly metrics: SeatguardMetrics,
  ) {
    this.turns = new EventTurns(pool, 'waiting for an optimistic attempt');
  }

  async attempt({ eventId, quantity, holdUntil, deadline }: SeatRequest): Promise<AttemptOutcome> {
    const outcome = await this.turns.take({ eventId, quantity, holdUntil, deadline }, () =>
      this.connections.withConnection((connection) => this.pool.takeWatched(connection, eventId, quantity, holdUntil)),
    );
    if (outcome.kind === 'conflict') this.metrics.watchAborts.inc();
    return outcome;
  }
}
