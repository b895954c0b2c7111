import { Injectable } from '@nestjs/common';
import { DistributedLockService } from '../../../platform/locking/distributed-lock.service';
import { seatKeys } from '../seat-keys';
import { SeatPool } from '../seat-pool';
import type { BatchSeatStep } from './batch-seat-step';
import { BatchTake, shareOut, takenSeats } from './seat-shares';
import type { StrategyName } from '../strategies/strategy-name';

/**
 * pessimistic: one Redlock acquisition for the batch; inside it, read the
 * pool once, share the lowest seats out and move them all in one
 * all-or-nothing step (the fence if the lock was lost meanwhile).
 */
@Injectable()
export class PessimisticBatchStep implements BatchSeatStep {
  readonly strategy: StrategyName = 'pessimistic';

  constructor(
    private readonly locks: DistributedLockService,
    private readonly pool: SeatPool,
  ) {}

  async take(eventId: number, quantities: number[], reservedUntil: number): Promise<BatchTake> {
    const locked = await this.locks.tryWithLock(seatKeys(eventId).lock, async (lease): Promise<BatchTake> => {
      const wanted = quantities.reduce((a, b) => a + b, 0);
      const { exists, closed, available, lowest } = await this.pool.peek(eventId, wanted);
      if (closed) return { kind: 'closed' };
      if (!exists) return { kind: 'missing' };
      const shares = shareOut(lowest, quantities);
      const seats = takenSeats(shares);
      if (seats.length === 0) return { kind: 'taken', shares };
      if (!lease.held) return { kind: 'conflict', reason: 'event lock lost before the move' };
      const moved = await this.pool.moveToReserved(eventId, seats, reservedUntil, available);
      if (moved.kind === 'taken') return { kind: 'taken', shares };
      return moved.kind === 'conflict' || moved.kind === 'closed' ? moved : { kind: 'missing' };
    });
    return locked.acquired ? locked.result : { kind: 'conflict', reason: 'event lock is held elsewhere' };
  }
}
