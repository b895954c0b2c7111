import type Redis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SeatPool } from '../../../src/domain/inventory/seat-pool';
import { seatKeys } from '../../../src/domain/inventory/seat-keys';
import type { AttemptOutcome, SeatRequest, SeatStrategy } from '../../../src/domain/inventory/strategies/seat-strategy';

/**
 * Read, then write, with nothing in between to stop a concurrent booking: the
 * tests' control group, proving that the oversell checks can fire. Exists only
 * where the test harness registers it; production has no such strategy.
 * UNSAFE_DELAY_MS widens the read-then-write window.
 */
export class UnsafeStrategy implements SeatStrategy {
  static readonly strategyName = 'unsafe';
  readonly name = UnsafeStrategy.strategyName;

  constructor(
    private readonly pool: SeatPool,
    private readonly redis: Redis,
    private readonly delayMs: number,
  ) {}

  async attempt({ eventId, quantity, reservedUntil }: SeatRequest): Promise<AttemptOutcome> {
    const { exists, available, lowest } = await this.pool.peek(eventId, quantity);
    if (!exists) return { kind: 'missing' };
    if (available < quantity) return { kind: 'sold-out', available };
    if (this.delayMs > 0) await sleep(this.delayMs);
    const k = seatKeys(eventId);
    await this.redis
      .pipeline()
      .zrem(k.free, ...lowest)
      .zadd(k.reserved, ...lowest.flatMap((seat) => [reservedUntil, seat]))
      .exec();
    return { kind: 'taken', seats: lowest };
  }
}
