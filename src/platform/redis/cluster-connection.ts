import { Cluster, ClusterOptions } from 'ioredis';
import { ConnectionSettings, nodeConnectionOptions, reconnectDelayMs } from './redis-connection';

export interface ClusterSeeds {
  nodes: { host: string; port: number }[];
  /** rediss:// seeds: every node, and every connection to it, speaks TLS (the config refuses a mix). */
  tls: boolean;
  username?: string;
  password?: string;
}

/** `host:port`, `redis://[user][:password@]host:port` or `rediss://...`; credentials, if any, come from the first seed that has them. */
export function parseClusterSeeds(seeds: string[]): ClusterSeeds {
  const parsed = seeds.map((seed) => new URL(seed.includes('://') ? seed : `redis://${seed}`));
  const withPassword = parsed.find((url) => url.password !== '');
  return {
    nodes: parsed.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) })),
    tls: parsed.some((url) => url.protocol === 'rediss:'),
    username: withPassword?.username ? decodeURIComponent(withPassword.username) : undefined,
    password: withPassword ? decodeURIComponent(withPassword.password) : undefined,
  };
}

/**
 * A Redis Cluster client with the single connection's fail-fast behaviour:
 * no offline queue (a command for a node that is not connected fails at once
 * with "Connection is closed" / "Cluster isn't ready", which is a 503), one
 * try per node, a command timeout. A failover is absorbed inside a command
 * only briefly (a few redirections 100 ms apart, well inside a booking's
 * deadline); past that the caller sees CLUSTERDOWN/TRYAGAIN and answers 503.
 * The slot map is also re-read every second, so a promoted replica is found
 * without waiting for a MOVED.
 */
export function createClusterConnection(seeds: string[], settings: ConnectionSettings, extra: ClusterOptions = {}): Cluster {
  const { nodes, username, password, tls } = parseClusterSeeds(seeds);
  const cluster = new Cluster(nodes, {
    enableOfflineQueue: false,
    clusterRetryStrategy: reconnectDelayMs,
    maxRedirections: 4,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshInterval: 1000,
    slotsRefreshTimeout: Math.max(settings.commandTimeoutMs, 500),
    redisOptions: {
      ...nodeConnectionOptions(settings),
      username,
      password,
      // To the seeds and to every node the slot map names.
      ...(tls ? { tls: { ...settings.tls } } : {}),
    },
    ...extra,
  });
  // As for a single connection: an unheard 'error' would crash the process; ioredis reconnects.
  cluster.on('error', () => undefined);
  return cluster;
}
