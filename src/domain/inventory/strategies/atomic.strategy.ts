import { Injectable } from '@nestjs/common';
import { SeatPool } from '../seat-pool';
import { AttemptOutcome, SeatRequest, SeatStrategy } from './seat-strategy';

/** One Lua script checks and takes the seats in a single server-side step. */
@Injectable()
export class AtomicStrategy implements SeatStrategy {
  /** Its name in the API, in MySQL's events.strategy and in every list derived from STRATEGY_NAMES. */
  static readonly strategyName = 'atomic';
  readonly name = AtomicStrategy.strategyName;

  constructor(private readonly pool: SeatPool) {}

  attempt({ eventId, quantity, reservedUntil }: SeatRequest): Promise<AttemptOutcome> {
    return this.pool.take(eventId, quantity, reservedUntil);
  }
}
