import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { REDIS_WATCH_POOL } from '../redis/redis.tokens';
import { WatchConnectionPool } from '../redis/watch-connection-pool';
import { SeatguardMetrics } from './seatguard-metrics';

/** The fields of mysql2's pool that say how busy it is (not in its public types). */
interface Mysql2PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/**
 * Pool gauges, read at scrape time: MySQL connections in use, idle, and
 * queries waiting for one; the same for the WATCH connections. A pool that
 * keeps requests waiting is the first thing to look at when latency grows.
 */
@Injectable()
export class PoolUsageMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: SeatguardMetrics,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(REDIS_WATCH_POOL) private readonly watchPool: WatchConnectionPool,
  ) {}

  onModuleInit(): void {
    const mysqlPool = () => (this.db.driver as unknown as { pool?: Mysql2PoolInternals }).pool;
    new Gauge({
      name: 'seatguard_db_pool_connections',
      help: 'MySQL pool: connections in use, idle, and queries waiting for a connection',
      labelNames: ['state'] as const,
      registers: [this.metrics.registry],
      collect() {
        const pool = mysqlPool();
        const all = pool?._allConnections?.length ?? 0;
        const idle = pool?._freeConnections?.length ?? 0;
        this.set({ state: 'in_use' }, all - idle);
        this.set({ state: 'idle' }, idle);
        this.set({ state: 'waiting' }, pool?._connectionQueue?.length ?? 0);
      },
    });
    const watchPool = this.watchPool;
    new Gauge({
      name: 'seatguard_redis_watch_pool_connections',
      help: 'WATCH connection pool (optimistic strategy): in use, idle, and requests waiting',
      labelNames: ['state'] as const,
      registers: [this.metrics.registry],
      collect() {
        const u = watchPool.usage();
        this.set({ state: 'in_use' }, u.inUse);
        this.set({ state: 'idle' }, u.idle);
        this.set({ state: 'waiting' }, u.waiting);
      },
    });
  }
}
