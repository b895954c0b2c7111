import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import type { TlsFiles } from '../config/tls-files';
import { DependencyUnavailableError } from '../../shared/errors/domain-errors';
import { isSlotRedirection } from './slot-redirection';
import { WatchConnectionPool } from './watch-connection-pool';
import { WatchConnections } from './watch-connections';

export interface ClusterWatchSettings {
  /** Connections per master. */
  sizePerMaster: number;
  commandTimeoutMs: number;
  acquireTimeoutMs: number;
  username?: string;
  password?: string;
  /** Set when the cluster speaks TLS (rediss:// seeds): the WATCH connections dial rediss:// with these files. */
  tls?: TlsFiles;
}

/**
 * Dedicated WATCH connections on a Redis Cluster: a small pool per master,
 * chosen by the slot of the key. The cluster client itself multiplexes every
 * caller over one connection per node, where one caller's EXEC would clear
 * another's WATCH; these connections are lent to one attempt at a time.
 *
 * The slot map is the cluster client's (re-read every second and on every
 * MOVED). Pools of nodes that stopped being masters are closed on each map
 * refresh; a WATCH that still lands on a node that no longer owns the slot
 * gets MOVED/ASK, which the caller treats as a conflict (retry), and which
 * asks the client to re-read the map at once.
 */
export class ClusterWatchConnections extends WatchConnections {
  private readonly pools = new Map<string, WatchConnectionPool>();
  private readonly onRefresh = () => void this.closeFormerMasters();

  constructor(
    private readonly cluster: Cluster,
    private readonly settings: ClusterWatchSettings,
  ) {
    super();
    cluster.on('refresh', this.onRefresh);
  }

  async withConnection<T>(key: string, work: (connection: Redis) => Promise<T>): Promise<T> {
    try {
      return await this.poolOf(this.masterOf(key)).withConnection(key, work);
    } catch (error) {
      if (isSlotRedirection(error)) this.cluster.refreshSlotsCache();
      throw error;
    }
  }

  usage(): { inUse: number; idle: number; waiting: number } {
    const total = { inUse: 0, idle: 0, waiting: 0 };
    for (const pool of this.pools.values()) {
      const u = pool.usage();
      total.inUse += u.inUse;
      total.idle += u.idle;
      total.waiting += u.waiting;
    }
    return total;
  }

  async close(): Promise<void> {
    this.cluster.off('refresh', this.onRefresh);
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }

  /** `host:port` of the master serving the key's slot, as the cluster client last saw it. */
  private masterOf(key: string): string {
    const slot = calculateSlot(key);
    const master = this.cluster.slots[slot]?.[0];
    if (!master) throw new DependencyUnavailableError('redis', new Error(`no master known for slot ${slot}`));
    return master;
  }

  private poolOf(master: string): WatchConnectionPool {
    let pool = this.pools.get(master);
    if (!pool) {
      const { sizePerMaster, commandTimeoutMs, acquireTimeoutMs, username, password, tls } = this.settings;
      const credentials = password ? `${encodeURIComponent(username ?? '')}:${encodeURIComponent(password)}@` : '';
      const scheme = tls ? 'rediss' : 'redis';
      pool = new WatchConnectionPool(`${scheme}://${credentials}${master}`, sizePerMaster, commandTimeoutMs, acquireTimeoutMs, tls);
      this.pools.set(master, pool);
    }
    return pool;
  }

  private async closeFormerMasters(): Promise<void> {
    const masters = new Set(this.cluster.nodes('master').map((node) => `${node.options.host}:${node.options.port}`));
    const former = [...this.pools.entries()].filter(([node]) => !masters.has(node));
    for (const [node] of former) this.pools.delete(node);
    // Borrowed connections finish their attempt first (drain waits for them).
    await Promise.allSettled(former.map(([, pool]) => pool.close()));
  }
}
