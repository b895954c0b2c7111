import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { AvailabilityMemo } from './availability-memo';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';
import { REDIS_CLIENT } from '../redis/redis.tokens';
import { inventoryKeys, KNOWN_INVENTORIES_KEY } from './inventory-keys';
import {
  MOVE_SEATS_TO_HELD,
  REBUILD_INVENTORY,
  RELEASE_HELD_SEATS,
  RETURN_CANCELLED_SEATS,
  SETTLE_EXPIRED_HOLDS,
  TAKE_SEATS,
} from './inventory-scripts';

export type TakeOutcome =
  | { kind: 'taken'; seats: number[] }
  | { kind: 'sold-out'; available: number }
  | { kind: 'missing' };

/** The scripts as ioredis exposes them once defined. */
interface InventoryCommands {
  seatguardTake(free: string, held: string, meta: string, n: number, holdUntil: number): Promise<number[]>;
  seatguardMove(free: string, held: string, meta: string, holdUntil: number, ...seats: number[]): Promise<number>;
  seatguardRelease(free: string, held: string, meta: string, ...seats: number[]): Promise<number>;
  seatguardReturnCancelled(free: string, held: string, meta: string, gen: string, ...seats: number[]): Promise<number>;
  seatguardSettle(free: string, held: string, meta: string, now: number, ...pairs: (number | string)[]): Promise<number>;
  seatguardRebuild(free: string, held: string, meta: string, gen: string, capacity: number, now: number, expectedGen: string, ...ticketed: number[]): Promise<number>;
}

/** Thin, typed access to an event's inventory in Redis. No MySQL here. */
@Injectable()
export class InventoryStore implements OnModuleInit {
  private readonly commands: InventoryCommands;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly metrics: SeatguardMetrics,
    private readonly memo: AvailabilityMemo,
  ) {
    this.commands = redis as unknown as InventoryCommands;
  }

  onModuleInit(): void {
    const define = (name: keyof InventoryCommands, numberOfKeys: number, lua: string) => {
      if (!(name in this.redis)) this.redis.defineCommand(name, { numberOfKeys, lua });
    };
    define('seatguardTake', 3, TAKE_SEATS);
    define('seatguardMove', 3, MOVE_SEATS_TO_HELD);
    define('seatguardRelease', 3, RELEASE_HELD_SEATS);
    define('seatguardReturnCancelled', 4, RETURN_CANCELLED_SEATS);
    define('seatguardSettle', 3, SETTLE_EXPIRED_HOLDS);
    define('seatguardRebuild', 4, REBUILD_INVENTORY);
  }

  async take(eventId: number, quantity: number, holdUntil: number): Promise<TakeOutcome> {
    const k = inventoryKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'take' });
    const [status, available, ...seats] = await this.commands.seatguardTake(k.free, k.held, k.meta, quantity, holdUntil);
    if (status === -1) return { kind: 'missing' };
    this.memo.record(eventId, available);
    if (status === -2) return { kind: 'sold-out', available };
    return { kind: 'taken', seats };
  }

  /** 1: moved; 0: some seat was no longer free (nothing moved); -1: inventory missing. */
  async moveToHeld(eventId: number, seats: number[], holdUntil: number): Promise<number> {
    const k = inventoryKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'move' });
    return this.commands.seatguardMove(k.free, k.held, k.meta, holdUntil, ...seats);
  }

  async releaseHeld(eventId: number, seats: number[]): Promise<number> {
    if (seats.length === 0) return 0;
    const k = inventoryKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'release' });
    const returned = await this.commands.seatguardRelease(k.free, k.held, k.meta, ...seats);
    this.memo.forget(eventId);
    this.metrics.seatsReturned.inc({ reason: 'compensation' }, returned);
    return returned;
  }

  async returnCancelled(eventId: number, seats: number[]): Promise<void> {
    const k = inventoryKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'return-cancelled' });
    const returned = await this.commands.seatguardReturnCancelled(k.free, k.held, k.meta, k.generation, ...seats);
    this.memo.forget(eventId);
    this.metrics.seatsReturned.inc({ reason: 'cancellation' }, returned);
  }

  async expiredHolds(eventId: number, now: number, limit: number): Promise<number[]> {
    const members = await this.redis.zrangebyscore(inventoryKeys(eventId).held, '-inf', now, 'LIMIT', 0, limit);
    return members.map(Number);
  }

  async settleExpired(eventId: number, now: number, seats: number[], ticketed: Set<number>): Promise<number> {
    const k = inventoryKeys(eventId);
    const pairs = seats.flatMap((s) => [s, ticketed.has(s) ? '1' : '0']);
    this.metrics.luaCalls.inc({ script: 'settle' });
    const returned = await this.commands.seatguardSettle(k.free, k.held, k.meta, now, ...pairs);
    this.memo.forget(eventId);
    this.metrics.seatsReturned.inc({ reason: 'expired-hold' }, returned);
    return returned;
  }

  async generation(eventId: number): Promise<string> {
    return (await this.redis.get(inventoryKeys(eventId).generation)) ?? '0';
  }

  /** Free seats after the rebuild, or -1 when a cancellation made the snapshot stale. */
  async rebuild(eventId: number, capacity: number, expectedGeneration: string, ticketed: number[]): Promise<number> {
    const k = inventoryKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'rebuild' });
    const free = await this.commands.seatguardRebuild(
      k.free, k.held, k.meta, k.generation, capacity, Date.now(), expectedGeneration, ...ticketed,
    );
    this.memo.forget(eventId);
    if (free >= 0) await this.redis.sadd(KNOWN_INVENTORIES_KEY, String(eventId));
    return free;
  }

  async knownEventIds(): Promise<number[]> {
    return (await this.redis.smembers(KNOWN_INVENTORIES_KEY)).map(Number);
  }
}
