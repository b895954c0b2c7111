import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { isCluster, RedisClient } from '../../platform/redis/redis-client';
import { REDIS_CLIENT } from '../../platform/redis/redis.tokens';
import { onSlotOwnerChange } from '../../platform/redis/slot-owner-changes';
import { ReservationSweeper } from './reservation-sweeper';
import { seatKeys } from './seat-keys';
import { SeatPool } from './seat-pool';

/**
 * On a Redis Cluster, replication is asynchronous: a replica promoted after
 * its master died may have missed the last writes to an event's seats. A
 * missed take leaves a sold seat free (MySQL's UNIQUE refuses it at commit,
 * which rebuilds the pool, but only when someone buys); a missed return of a
 * cancelled seat leaves it in neither pool, stranded. So when an event's slot
 * changes master, its inventory is rebuilt from MySQL (on the reservation sweeper's
 * next tick, retried until Redis answers), whether or not anyone is buying.
 * A rebuild is safe during a sale. Nothing to do on a single Redis.
 */
@Injectable()
export class FailoverReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FailoverReconciler.name);
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly pool: SeatPool,
    private readonly sweeper: ReservationSweeper,
  ) {}

  onApplicationBootstrap(): void {
    const client = this.redis as RedisClient;
    if (!isCluster(client)) return;
    this.unsubscribe = onSlotOwnerChange(client, (moved) => void this.reconcileMoved(moved));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  private async reconcileMoved(moved: (key: string) => boolean): Promise<void> {
    try {
      const events = (await this.pool.knownEventIds()).filter((id) => moved(seatKeys(id).free));
      for (const id of events) this.sweeper.requestReconcile(id, 'failover');
      if (events.length) this.logger.warn({ events: events.length }, 'slots changed master; rebuilding their events from MySQL');
    } catch (error) {
      this.logger.warn({ err: error }, 'slots changed master but the known events could not be listed; the next change retries');
    }
  }
}
