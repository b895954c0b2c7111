import { Injectable } from '@nestjs/common';
import { SeatPool } from '../seat-pool';
import type { BatchSeatStep } from './batch-seat-step';
import type { BatchTake } from './seat-shares';
import type { StrategyName } from '../strategies/strategy-name';

/** atomic: one Lua call takes every booking's seats, all or nothing per booking. */
@Injectable()
export class AtomicBatchStep implements BatchSeatStep {
  readonly strategy: StrategyName = 'atomic';

  constructor(private readonly pool: SeatPool) {}

  take(eventId: number, quantities: number[], reservedUntil: number): Promise<BatchTake> {
    return this.pool.takeBatch(eventId, quantities, reservedUntil);
  }
}
