import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { inventoryKeys } from '../inventory/inventory-keys';
import { peekPool } from '../inventory/peek-pool';
import { TakeOutcome } from '../inventory/inventory-store';
import { REDIS_CLIENT } from '../redis/redis.tokens';
import { BookingStrategy, SeatRequest } from './booking-strategy';

/**
 * Read, then write, with nothing in between to stop a concurrent booking:
 * the tests' control group, proving that the oversell checks can fire.
 * Refused unless ALLOW_UNSAFE_STRATEGY=true, never in production.
 */
@Injectable()
export class UnsafeStrategy implements BookingStrategy {
  readonly name = 'unsafe' as const;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {}

  async takeSeats({ eventId, quantity, holdUntil }: SeatRequest): Promise<TakeOutcome> {
    const k = inventoryKeys(eventId);
    const { exists, available, lowest } = await peekPool(this.redis, eventId, quantity);
    if (!exists) return { kind: 'missing' };
    if (available < quantity) return { kind: 'sold-out', available };
    if (this.config.unsafeDelayMs > 0) await sleep(this.config.unsafeDelayMs);
    await this.redis
      .pipeline()
      .zrem(k.free, ...lowest)
      .zadd(k.held, ...lowest.flatMap((seat) => [holdUntil, seat]))
      .exec();
    return { kind: 'taken', seats: lowest.map(Number) };
  }
}
