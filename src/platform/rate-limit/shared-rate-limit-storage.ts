import type { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type Redis from 'ioredis';
import { FailOpenThrottlerStorage } from './fail-open-throttler-storage';

/**
 * Rate-limit counts kept in Redis on the app's own client (fails fast: no
 * offline queue, command timeout), so every instance counts against the same
 * window, wrapped so that a Redis failure lets requests through.
 */
export function sharedRateLimitStorage(redis: Redis): ThrottlerStorage {
  const counts = new ThrottlerStorageRedisService(redis);
  // The library recognises a client with instanceof; given a client from another copy of
  // ioredis it would silently open its own connection to localhost instead.
  if (counts.redis !== redis) throw new Error('rate-limit storage did not take the shared Redis client');
  return new FailOpenThrottlerStorage(counts);
}
