import { Redlock } from '@sesamecare-oss/redlock';
import type Redis from 'ioredis';
import type { TlsFiles } from '../config/tls-files';
import { createRedisConnection } from './redis-connection';

/**
 * Redlock over its own connections, one per master in REDLOCK_NODES, so that a
 * node going away costs a vote, not the process. Acquisition retries are ours
 * (bounded by the request deadline), hence retryCount 0 here.
 */
export function createRedlock(nodes: string[], commandTimeoutMs: number, tls?: TlsFiles): { redlock: Redlock; clients: Redis[] } {
  const clients = nodes.map((url, i) => createRedisConnection(url, { commandTimeoutMs, name: `seatguard-redlock-${i}`, tls }));
  const redlock = new Redlock(clients, {
    driftFactor: 0.01,
    retryCount: 0,
    retryDelay: 0,
    retryJitter: 0,
    automaticExtensionThreshold: 500,
  });
  // Redlock emits 'error' for every failed vote (including "resource locked");
  // without a listener EventEmitter would throw and kill the process.
  redlock.on('error', () => undefined);
  return { redlock, clients };
}
