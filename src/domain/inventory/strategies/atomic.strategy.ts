import { Injectable } from '@nestjs/common';
import { SeatPool } from '../seat-pool';
import { AttemptOutcome, SeatRequest, SeatStrategy } from './seat-strategy';

/** One Lua script checks and takes the seats in a single server-side step. */
@Injectable()
export class AtomicStrategy implements SeatStrategy {
  readonly name = 'atomic';

  constructor(private readonly pool: SeatPool) {}

  attempt({ eventId, quantity, holdUntil }: SeatRequest): Promise<AttemptOutcome> {
    return this.pool.take(eventId, quantity, holdUntil);
  }
}
