import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { REDIS_WATCH_POOL } from '../redis/redis.tokens';
import { WatchConnections } from '../redis/watch-connections';
import { SeatguardMetrics } from './seatguard-metrics';

/** The fields of mysql2's pool that say how busy it is (not in its public types). */
interface Mysql2PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

interface PoolUsage {
  inUse: number;
  idle: number;
  waiting: number;
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
    @Inject(REDIS_WATCH_POOL) private readonly watchPool: WatchConnections,
  ) {}

  onModuleInit(): void {
    const mysqlPool = () => (this.db.driver as unknown as { pool?: Mysql2PoolInternals }).pool;
    this.poolGauge('seatguard_db_pool_connections', 'MySQL pool: connections in use, idle, and queries waiting for a connection', () => {
      const pool = mysqlPool();
      const all = pool?._allConnections?.length ?? 0;
      const idle = pool?._freeConnections?.length ?? 0;
      return { inUse: all - idle, idle, waiting: pool?._connectionQueue?.length ?? 0 };
    });
    this.poolGauge(
      'seatguard_redis_watch_pool_connections',
      'WATCH connection pool (optimistic strategy): in use, idle, and requests waiting',
      () => this.watchPool.usage(),
    );
  }

  private poolGauge(name: string, help: string, read: () => PoolUsage): void {
    new Gauge({
      name,
      help,
      labelNames: ['state'] as const,
      registers: [this.metrics.registry],
      collect() {
        const u = read();
        this.set({ state: 'in_use' }, u.inUse);
        this.set({ state: 'idle' }, u.idle);
        this.set({ state: 'waiting' }, u.waiting);
      },
    });
  }
}
