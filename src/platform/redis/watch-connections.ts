import type Redis from 'ioredis';

/**
 * Where an optimistic attempt gets the connection it WATCHes on: one of its
 * own, lent for WATCH..EXEC only, to the Redis that owns `key` (the single
 * Redis, or the master of the key's slot on a cluster).
 */
export abstract class WatchConnections {
  abstract withConnection<T>(key: string, work: (connection: Redis) => Promise<T>): Promise<T>;

  /** For the pool gauge: connections lent out, idle, and requests waiting for one (all masters together). */
  abstract usage(): { inUse: number; idle: number; waiting: number };

  abstract close(): Promise<void>;
}
