import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Redlock } from '@sesamecare-oss/redlock';
import { bookingConfig, BookingConfig, redisConfig, RedisConfig } from '../config/configuration';
import { parseClusterSeeds } from './cluster-connection';
import { ClusterWatchConnections } from './cluster-watch-connections';
import { createRedisClient, isCluster, RedisClient } from './redis-client';
import { closeQuietly } from './redis-connection';
import { assertRedisTransports, configuredEndpoints } from './redis-transport-check';
import { createRedlock } from './redlock.factory';
import { REDIS_CLIENT, REDIS_WATCH_POOL, REDLOCK } from './redis.tokens';
import { WatchConnectionPool } from './watch-connection-pool';
import { WatchConnections } from './watch-connections';

function createWatchConnections(client: RedisClient, config: RedisConfig, booking: BookingConfig): WatchConnections {
  if (!isCluster(client)) {
    return new WatchConnectionPool(config.url, config.watchPoolSize, config.commandTimeoutMs, booking.deadlineMs, config.tls);
  }
  const { username, password, tls } = parseClusterSeeds(config.clusterNodes);
  return new ClusterWatchConnections(client, {
    sizePerMaster: config.watchPoolSize,
    commandTimeoutMs: config.commandTimeoutMs,
    acquireTimeoutMs: booking.deadlineMs,
    username,
    password,
    tls: tls ? config.tls : undefined,
  });
}

const REDLOCK_CLIENTS = Symbol('REDLOCK_CLIENTS');

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [redisConfig.KEY],
      // A TLS setting that does not match a server stops the start here, naming the setting.
      useFactory: async (config: RedisConfig) => {
        await assertRedisTransports(configuredEndpoints(config), config.tls, Math.max(config.commandTimeoutMs, 1000));
        return createRedisClient(config, 'seatguard-main');
      },
    },
    {
      provide: REDIS_WATCH_POOL,
      inject: [REDIS_CLIENT, redisConfig.KEY, bookingConfig.KEY],
      useFactory: createWatchConnections,
    },
    {
      provide: REDLOCK_CLIENTS,
      inject: [redisConfig.KEY],
      useFactory: (config: RedisConfig) => createRedlock(config.redlockNodes, config.commandTimeoutMs, config.tls),
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
    @Inject(REDIS_CLIENT) private readonly client: RedisClient,
    @Inject(REDIS_WATCH_POOL) private readonly watchPool: WatchConnections,
    @Inject(REDLOCK_CLIENTS) private readonly redlock: { clients: Redis[] },
  ) {}

  // After in-flight requests are done (the HTTP server closes first).
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.watchPool.close(), closeQuietly(this.client), ...this.redlock.clients.map((c) => closeQuietly(c))]);
  }
}
