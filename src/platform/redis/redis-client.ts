import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import type { RedisConfig } from '../config/configuration';
import { createClusterConnection } from './cluster-connection';
import { createRedisConnection } from './redis-connection';

/**
 * What REDIS_CLIENT is: one Redis (REDIS_URL) or a Redis Cluster
 * (REDIS_CLUSTER_NODES). Callers use only commands both accept on keys of one
 * slot (every per-event key carries the event's hash tag), so most of them
 * keep typing it as `Redis`.
 */
export type RedisClient = Redis | Cluster;

export const isCluster = (client: RedisClient): client is Cluster => (client as Cluster).isCluster === true;

export function createRedisClient(config: RedisConfig, name: string, extra: { subscriber?: boolean } = {}): RedisClient {
  const settings = { commandTimeoutMs: config.commandTimeoutMs, name, tls: config.tls };
  // A subscriber queues its SUBSCRIBE until connected rather than losing it.
  if (config.clusterNodes.length > 0) {
    return createClusterConnection(config.clusterNodes, settings, extra.subscriber ? { enableOfflineQueue: true } : {});
  }
  return createRedisConnection(config.url, settings, extra.subscriber ? { enableOfflineQueue: true } : {});
}
