import { Inject, Injectable } from '@nestjs/common';
import { SeatguardMetrics } from '../../../platform/metrics/seatguard-metrics';
import { REDIS_WATCH_POOL } from '../../../platform/redis/redis.tokens';
import { isSlotRedirection } from '../../../platform/redis/slot-redirection';
import { WatchConnections } from '../../../platform/redis/watch-connections';
import { seatKeys } from '../seat-keys';
import { SeatPool } from '../seat-pool';
import type { BatchSeatStep } from './batch-seat-step';
import { BatchTake, shareOut, takenSeats } from './seat-shares';
import type { StrategyName } from '../strategies/strategy-name';

/**
 * optimistic: one WATCH/MULTI/EXEC for the batch, on a connection of its own:
 * WATCH the pool, read it once, share the lowest seats out, move them in one
 * EXEC. A nil EXEC (the pool changed) or a moved slot is a conflict.
 */
@Injectable()
export class OptimisticBatchStep implements BatchSeatStep {
  readonly strategy: StrategyName = 'optimistic';

  constructor(
    @Inject(REDIS_WATCH_POOL) private readonly connections: WatchConnections,
    private readonly pool: SeatPool,
    private readonly metrics: SeatguardMetrics,
  ) {}

  async take(eventId: number, quantities: number[], reservedUntil: number): Promise<BatchTake> {
    const k = seatKeys(eventId);
    try {
      const outcome = await this.connections.withConnection(k.free, async (connection): Promise<BatchTake> => {
        const record = this.pool.takeRecord(eventId, reservedUntil);
        await connection.watch(k.free, k.meta, record.key);
        const wanted = quantities.reduce((a, b) => a + b, 0);
        const { exists, closed, lowest } = await this.pool.peek(eventId, wanted, connection);
        if (closed) {
          await connection.unwatch();
          return { kind: 'closed' };
        }
        const shares = shareOut(lowest, quantities);
        const seats = takenSeats(shares);
        if (!exists || seats.length === 0) {
          await connection.unwatch();
          return exists ? { kind: 'taken', shares } : { kind: 'missing' };
        }
        const committed = await this.pool.execWatchedTake(connection, eventId, seats, reservedUntil, record);
        if (committed === null) return { kind: 'conflict', reason: 'pool changed between WATCH and EXEC' };
        return { kind: 'taken', shares };
      });
      if (outcome.kind === 'conflict') this.metrics.watchAborts.inc();
      return outcome;
    } catch (error) {
      if (isSlotRedirection(error)) return { kind: 'conflict', reason: "the event's slot moved to another master" };
      throw error;
    }
  }
}
