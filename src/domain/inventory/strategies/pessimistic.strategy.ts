import { Injectable } from '@nestjs/common';
import { DistributedLockService } from '../../../platform/locking/distributed-lock.service';
import { SeatPool } from '../seat-pool';
import { seatKeys } from '../seat-keys';
import { EventTurns } from './event-turns';
import { AttemptOutcome, SeatRequest, SeatStrategy } from './seat-strategy';

/**
 * A Redlock lock on the event; inside it, read the pool, choose the seats and
 * move them. A lock held elsewhere, or lost before the move, is a conflict
 * (nothing was written; the attempt is redone after a backoff). The move
 * itself is all-or-nothing, so even a lock that expired unnoticed cannot hand
 * one seat to two buyers. Attempts of this process on one event take turns
 * (EventTurns), so the lock only arbitrates between instances.
 */
@Injectable()
export class PessimisticStrategy implements SeatStrategy {
  /** Its name in the API, in MySQL's events.strategy and in every list derived from STRATEGY_NAMES. */
  static readonly strategyName = 'pessimistic';
  readonly name = PessimisticStrategy.strategyName;
  private readonly turns: EventTurns;

  constructor(
    private readonly locks: DistributedLockService,
    private readonly pool: SeatPool,
  ) {
    this.turns = new EventTurns(pool, 'waiting for the event lock');
  }

  attempt(request: SeatRequest): Promise<AttemptOutcome> {
    return this.turns.take(request, async () => {
      const locked = await this.locks.tryWithLock(seatKeys(request.eventId).lock, (lease) =>
        this.criticalSection(request, () => lease.held),
      );
      return locked.acquired ? locked.result : { kind: 'conflict', reason: 'event lock is held elsewhere' };
    });
  }

  private async criticalSection(request: SeatRequest, stillHeld: () => boolean): Promise<AttemptOutcome> {
    const { eventId, quantity, reservedUntil } = request;
    const { exists, closed, available, lowest } = await this.pool.peek(eventId, quantity);
    if (closed) return { kind: 'closed' };
    if (!exists) return { kind: 'missing' };
    if (available < quantity) return { kind: 'sold-out', available };
    this.beforeMove(request);
    if (!stillHeld()) return { kind: 'conflict', reason: 'event lock lost before the move' };
    return this.pool.moveToReserved(eventId, lowest, reservedUntil, available);
  }

  /** Nothing in production; the test harness stalls here to make a lock expire under its holder. */
  protected beforeMove(_request: SeatRequest): void {}
}
