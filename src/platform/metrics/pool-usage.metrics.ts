import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { BoundedSql } from '../database/bounded-sql';
import { REDIS_WATCH_POOL } from '../redis/redis.tokens';
import { WatchConnections } from '../redis/watch-connections';
import { SeatguardMetrics } from './seatguard-metrics';

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
    private readonly sql: BoundedSql,
    @Inject(REDIS_WATCH_POOL) private readonly watchPool: WatchConnections,
  ) {}

  onModuleInit(): void {
    this.poolGauge('seatguard_db_pool_connections', 'MySQL pool: connections in use, idle, and queries waiting for a connection', () =>
      this.sql.usage(),
    );
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
