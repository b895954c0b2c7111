import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Redlock } from '@sesamecare-oss/redlock';
import { bookingConfig, BookingConfig, redisConfig, RedisConfig } from '../config/configuration';
import { closeQuietly, createRedisConnection } from './redis-connection';
import { createRedlock } from './redlock.factory';
import { REDIS_CLIENT, REDIS_WATCH_POOL, REDLOCK } from './redis.tokens';
import { WatchConnectionPool } from './watch-connection-pool';

const REDLOCK_CLIENTS = Symbol('REDLOCK_CLIENTS');

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [redisConfig.KEY],
      useFactory: (config: RedisConfig) =>
        createRedisConnection(config.url, { commandTimeoutMs: config.commandTimeoutMs, name: 'seatguard-main' }),
    },
    {
      provide: REDIS_WATCH_POOL,
      inject: [redisConfig.KEY, bookingConfig.KEY],
      useFactory: (config: RedisConfig, booking: BookingConfig) =>
        new WatchConnectionPool(config.url, config.watchPoolSize, config.commandTimeoutMs, booking.deadlineMs),
    },
    {
      provide: REDLOCK_CLIENTS,
      inject: [redisConfig.KEY],
      useFactory: (config: RedisConfig) => createRedlock(config.redlockNodes, config.commandTimeoutMs),
    },
    {
      provide: REDLOCK,
      inject: [REDLOCK_CLIENTS],
      useFactory: (made: { redlock: Redlock }) => made.redlock,
    },
  ],
  exports: [REDIS_CLIENT, REDIS_WATCH_POOL, REDLOCK],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS_CLIENT) private readonly client: Redis,
    @Inject(REDIS_WATCH_POOL) private readonly watchPool: WatchConnectionPool,
    @Inject(REDLOCK_CLIENTS) private readonly redlock: { clients: Redis[] },
  ) {}

  // After in-flight requests are done (the HTTP server closes first).
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([
      this.watchPool.close(),
      closeQuietly(this.client),
      ...this.redlock.clients.map((c) => closeQuietly(c)),
    ]);
  }
}
