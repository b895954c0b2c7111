import { Injectable } from '@nestjs/common';
import { SeatPool } from '../seat-pool';
import type { BatchSeatStep } from './batch-seat-step';
import type { BatchTake } from './seat-shares';

/** atomic: one Lua call takes every booking's seats, all or nothing per booking. */
@Injectable()
export class AtomicBatchStep implements BatchSeatStep {
  readonly strategy = 'atomic';

  constructor(private readonly pool: SeatPool) {}

  take(eventId: number, quantities: number[], holdUntil: number): Promise<BatchTake> {
    return this.pool.takeBatch(eventId, quantities, holdUntil);
  }
}
