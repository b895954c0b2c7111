import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { REDIS_CLIENT } from '../redis/redis.tokens';
import { perAddressThrottler } from './per-address-rate-limit';
import { sharedRateLimitStorage } from './shared-rate-limit-storage';

/**
 * The per-address budget, configured once (ThrottlerModule is global): import
 * this module wherever a route uses @PerAddressRateLimit(). Counts live in
 * Redis, so every instance shares them; BOOKING_RATE_LIMIT=0 turns it off.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [bookingConfig.KEY, REDIS_CLIENT],
      useFactory: (c: BookingConfig, redis: Redis) => ({
        throttlers: [perAddressThrottler(Math.max(1, c.rateLimit), c.rateWindowMs)],
        skipIf: () => c.rateLimit === 0,
        storage: sharedRateLimitStorage(redis),
      }),
    }),
  ],
})
export class RateLimitModule {}
