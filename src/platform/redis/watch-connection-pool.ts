import { createPool, Pool } from 'generic-pool';
import type Redis from 'ioredis';
import type { TlsFiles } from '../config/tls-files';
import { closeQuietly, createRedisConnection, whenReady } from './redis-connection';
import { DependencyUnavailableError } from '../../shared/errors/domain-errors';
import { WatchConnections } from './watch-connections';

/**
 * A pool of dedicated connections to one Redis for optimistic transactions.
 * One request holds a connection from WATCH to EXEC, so no other request's
 * EXEC can clear its WATCH (which is what happens on a shared connection).
 * On a cluster there is one per master (ClusterWatchConnections).
 */
export class WatchConnectionPool extends WatchConnections {
  private readonly pool: Pool<Redis>;
  private lastCreateFailureAt = 0;

  constructor(url: string, size: number, commandTimeoutMs: number, acquireTimeoutMs: number, tls?: TlsFiles) {
    super();
    let serial = 0;
    this.pool = createPool<Redis>(
      {
        create: async () => {
          const client = createRedisConnection(url, { commandTimeoutMs, name: `seatguard-watch-${++serial}`, tls });
          try {
            await whenReady(client, commandTimeoutMs);
            this.lastCreateFailureAt = 0;
          } catch (error) {
            client.disconnect();
            throw error;
          }
          return client;
        },
        destroy: (client) => closeQuietly(client),
        validate: (client) => Promise.resolve(client.status === 'ready'),
      },
      { max: size, min: 0, testOnBorrow: true, acquireTimeoutMillis: acquireTimeoutMs, idleTimeoutMillis: 60_000 },
    );
    // generic-pool keeps retrying a failing create until the acquire times out;
    // remember the failure so requests meanwhile fail fast with a 503.
    this.pool.on('factoryCreateError', () => (this.lastCreateFailureAt = Date.now()));
  }

  /** `_key`: one Redis owns every key. */
  async withConnection<T>(_key: string, work: (connection: Redis) => Promise<T>): Promise<T> {
    if (this.pool.available === 0 && Date.now() - this.lastCreateFailureAt < 2000) {
      throw new DependencyUnavailableError('redis', new Error('cannot open WATCH connections'));
    }
    let connection: Redis;
    try {
      connection = await this.pool.acquire();
    } catch (error) {
      throw new DependencyUnavailableError('redis', error);
    }
    try {
      const result = await work(connection);
      await this.pool.release(connection);
      return result;
    } catch (error) {
      // work() may have thrown between WATCH and EXEC: never hand back a connection still watching.
      const reusable =
        connection.status === 'ready' &&
        (await connection.unwatch().then(
          () => true,
          () => false,
        ));
      if (reusable) await this.pool.release(connection);
      else await this.pool.destroy(connection);
      throw error;
    }
  }

  /** For the pool gauge: connections lent out, idle, and requests waiting for one. */
  usage(): { inUse: number; idle: number; waiting: number } {
    return { inUse: this.pool.borrowed, idle: this.pool.available, waiting: this.pool.pending };
  }

  async close(): Promise<void> {
    await this.pool.drain();
    await this.pool.clear();
  }
}
