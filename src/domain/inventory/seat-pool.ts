import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { ReplyError } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import { REDIS_CLIENT } from '../../platform/redis/redis.tokens';
import { AvailabilityMemo } from './availability-memo';
import {
  CANCEL_TAKE,
  CLOSE_INVENTORY,
  DROP_INVENTORY,
  MOVE_SEATS_TO_RESERVED,
  RELEASE_RESERVED_SEATS,
  RETURN_CANCELLED_SEATS,
  SETTLE_EXPIRED_RESERVATIONS,
  SWAP_IN_REBUILT_POOL,
  TAKE_SEATS,
  TAKE_SEATS_FOR_BATCH,
} from './inventory-scripts';
import type { BatchTake, SeatShare } from './batching/seat-shares';
import { KNOWN_INVENTORIES_KEY, seatKeys } from './seat-keys';
import { defineLuaCommands } from '../../platform/redis/lua-commands';

/**
 * Seats written per command while rebuilding a pool: Redis serves other
 * clients between two chunks, so a rebuild of a large event never holds it
 * for longer than one chunk's ZADD (well under a millisecond).
 */
export const REBUILD_CHUNK_SEATS = 1000;
/**
 * Chunks sent per round trip (pipelined, still one command each): a rebuild
 * of a million seats costs 125 round trips, not 1,000.
 */
const CHUNKS_PER_ROUND_TRIP = 8;
/** A staging key left behind by a crashed rebuild disappears by itself. */
const STAGING_TTL_MS = 10 * 60_000;
/** How long a dropped, cancelled event's pool still answers "closed" without a MySQL read. */
const CLOSED_MARKER_TTL_MS = 24 * 3600_000;
/**
 * A take record outlives its reservation by this much: a cancel sent (or
 * retried) while the reservation lasts always finds it, and so does a take that runs late.
 */
const TAKE_RECORD_MARGIN_MS = 5_000;

/**
 * Who keeps a take whose reply was lost in limbo (SeatsInLimbo): until `cancel`
 * (idempotent, retried) succeeds or `until`, `seats` seats of the event count
 * as in limbo, so no buyer hears SOLD_OUT about them. The returned function
 * ends that at once (the first cancel got through).
 */
export type UnsettledTakeHandler = (eventId: number, seats: number, cancel: () => Promise<number>, until: number) => () => void;

/** A take of this attempt: its record's key (`seat-keys.ts` take) and how long the record lives. */
export interface TakeRecord {
  key: string;
  ttlMs: number;
}

/** Redis answered with an error: the command did not run. Anything else (a timeout, a closed connection) leaves it unknown. */
const answeredByRedis = (error: unknown): boolean => error instanceof ReplyError;

export type TakeOutcome =
  | { kind: 'taken'; seats: number[] }
  | { kind: 'sold-out'; available: number }
  | { kind: 'missing' }
  /** The event was cancelled: its pool is closed for good. */
  | { kind: 'closed' };

/** Another booking changed the pool first; nothing was taken. */
export interface Conflict {
  kind: 'conflict';
  reason: string;
}

export interface PoolView {
  exists: boolean;
  /** Closed for good (the event was cancelled): nothing is free, nothing can be taken. */
  closed: boolean;
  available: number;
  /** The `quantity` lowest free seats. */
  lowest: number[];
}

/** The scripts as ioredis exposes them once defined. */
/** The inventory's Lua scripts as commands of the Redis client (INVENTORY_SCRIPTS registers them). */
export interface InventoryCommands {
  seatguardTake(
    free: string,
    reserved: string,
    meta: string,
    record: string,
    n: number,
    reservedUntil: number,
    ttlMs: number,
  ): Promise<number[]>;
  seatguardTakeBatch(
    free: string,
    reserved: string,
    meta: string,
    record: string,
    reservedUntil: number,
    ttlMs: number,
    ...quantities: number[]
  ): Promise<number[]>;
  seatguardMove(
    free: string,
    reserved: string,
    meta: string,
    record: string,
    reservedUntil: number,
    ttlMs: number,
    ...seats: number[]
  ): Promise<number>;
  seatguardCancelTake(free: string, reserved: string, meta: string, record: string, ttlMs: number): Promise<number>;
  seatguardRelease(free: string, reserved: string, meta: string, ...seats: number[]): Promise<number>;
  seatguardReturnCancelled(free: string, reserved: string, meta: string, gen: string, ...seats: number[]): Promise<number>;
  seatguardSettle(free: string, reserved: string, meta: string, now: number, ...pairs: (number | string)[]): Promise<number>;
  seatguardClose(free: string, reserved: string, meta: string, gen: string, now: number): Promise<number>;
  seatguardDrop(free: string, reserved: string, meta: string, closedTtlMs: number): Promise<number>;
  seatguardSwapIn(
    free: string,
    reserved: string,
    meta: string,
    gen: string,
    staging: string,
    capacity: number,
    snapshotAt: number,
    expectedGen: string,
  ): Promise<number>;
}

/**
 * Each command's number of keys beside its script: whoever runs one of these
 * scripts (the app, the bench's `raw` reference) registers it from here, so
 * the two can never disagree about its keys.
 */
export const INVENTORY_SCRIPTS: Record<keyof InventoryCommands, readonly [numberOfKeys: number, lua: string]> = {
  seatguardTake: [4, TAKE_SEATS],
  seatguardTakeBatch: [4, TAKE_SEATS_FOR_BATCH],
  seatguardMove: [4, MOVE_SEATS_TO_RESERVED],
  seatguardCancelTake: [4, CANCEL_TAKE],
  seatguardRelease: [3, RELEASE_RESERVED_SEATS],
  seatguardReturnCancelled: [4, RETURN_CANCELLED_SEATS],
  seatguardSettle: [3, SETTLE_EXPIRED_RESERVATIONS],
  seatguardSwapIn: [5, SWAP_IN_REBUILT_POOL],
  seatguardClose: [4, CLOSE_INVENTORY],
  seatguardDrop: [3, DROP_INVENTORY],
};

/** A fresh take record for one attempt (its key carries the event's hash tag), lasting the reservation and a margin. */
export function newTakeRecord(eventId: number, reservedUntil: number): TakeRecord {
  return {
    key: seatKeys(eventId).take(randomBytes(8).toString('hex')),
    ttlMs: Math.max(reservedUntil - Date.now(), 0) + TAKE_RECORD_MARGIN_MS,
  };
}

/**
 * Every read and write of an event's seats in Redis, and the only code that
 * knows their layout (`seat-keys.ts`) besides the Lua scripts it runs. It also
 * keeps this process's sold-out memo in step: every reading of the pool size
 * records it, every seat given back clears it (after Redis answered, so an
 * older reading cannot land after the clear). No MySQL here.
 */
@Injectable()
export class SeatPool implements OnModuleInit {
  private readonly commands: InventoryCommands;
  private readonly memo = new AvailabilityMemo();
  private unsettledTakes: UnsettledTakeHandler | undefined;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly metrics: SeatguardMetrics,
  ) {
    this.commands = redis as unknown as InventoryCommands;
  }

  onModuleInit(): void {
    defineLuaCommands<keyof InventoryCommands>(this.redis, INVENTORY_SCRIPTS);
  }

  /** A recent local observation that `quantity` seats are not there (no round trip), or null. */
  knownSoldOut(eventId: number, quantity: number): { kind: 'sold-out'; available: number } | null {
    return this.memo.soldOut(eventId, quantity);
  }

  /** Checks and takes the lowest free seats in one server-side step (Lua). */
  async take(eventId: number, quantity: number, reservedUntil: number): Promise<TakeOutcome | Conflict> {
    const k = seatKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'take' });
    const record = this.takeRecord(eventId, reservedUntil);
    const [status, available, ...seats] = await this.settledIfUnanswered(eventId, quantity, record, () =>
      this.commands.seatguardTake(k.free, k.reserved, k.meta, record.key, quantity, reservedUntil, record.ttlMs),
    );
    // Only a reply nobody waits for any more can say this: its take was cancelled before it ran.
    if (status === -4) return { kind: 'conflict', reason: 'take cancelled before it ran' };
    if (status === -1) return { kind: 'missing' };
    if (status === -3) return { kind: 'closed' };
    this.memo.record(eventId, available);
    if (status === -2) return { kind: 'sold-out', available };
    return { kind: 'taken', seats };
  }

  /** Group commit: every booking of a batch takes its seats in one Lua call, each all or nothing. */
  async takeBatch(eventId: number, quantities: number[], reservedUntil: number): Promise<BatchTake> {
    const k = seatKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'take-batch' });
    const record = this.takeRecord(eventId, reservedUntil);
    const wanted = quantities.reduce((a, b) => a + b, 0);
    const reply = await this.settledIfUnanswered(eventId, wanted, record, () =>
      this.commands.seatguardTakeBatch(k.free, k.reserved, k.meta, record.key, reservedUntil, record.ttlMs, ...quantities),
    );
    if (reply[0] === -4) return { kind: 'conflict', reason: 'take cancelled before it ran' };
    if (reply[0] === -1) return { kind: 'missing' };
    if (reply[0] === -3) return { kind: 'closed' };
    this.memo.record(eventId, reply[0]);
    const shares: SeatShare[] = [];
    let at = 1;
    for (let i = 0; i < quantities.length; i += 1) {
      const n = reply[at];
      if (n === -1) {
        shares.push({ kind: 'sold-out', available: reply[at + 1] });
        at += 2;
      } else {
        shares.push({ kind: 'taken', seats: reply.slice(at + 1, at + 1 + n) });
        at += 1 + n;
      }
    }
    return { kind: 'taken', shares };
  }

  /**
   * One round trip: does the inventory exist, how many seats are free, which
   * ones would be taken. `connection` is the one holding a WATCH, if any.
   */
  async peek(eventId: number, quantity: number, connection: Redis = this.redis): Promise<PoolView> {
    const k = seatKeys(eventId);
    const replies = (await connection
      .pipeline()
      .exists(k.meta)
      .zcard(k.free)
      .zrange(k.free, 0, String(quantity - 1))
      .hexists(k.meta, 'closed')
      .exec()) as [Error | null, unknown][];
    // A pipeline reports a refused command inside its replies (on a cluster in failover:
    // CLUSTERDOWN, MOVED...) instead of rejecting; it is the caller's error all the same.
    const refused = replies.find(([error]) => error !== null)?.[0];
    if (refused) throw refused;
    const [[, exists], [, available], [, lowest], [, closed]] = replies as [
      [null, number],
      [null, number],
      [null, string[]],
      [null, number],
    ];
    // A closed pool is empty, but not sold out: never remembered as such (the answer is EVENT_CANCELLED).
    if (exists === 1 && closed !== 1) this.memo.record(eventId, available);
    return { exists: exists === 1, closed: closed === 1, available, lowest: lowest.map(Number) };
  }

  /**
   * WATCH, read, MULTI/EXEC on `connection`, which must be this attempt's own
   * (WATCH state belongs to a connection). A nil EXEC is a conflict.
   */
  async takeWatched(connection: Redis, eventId: number, quantity: number, reservedUntil: number): Promise<TakeOutcome | Conflict> {
    const k = seatKeys(eventId);
    const record = this.takeRecord(eventId, reservedUntil);
    await connection.watch(k.free, k.meta, record.key);
    const { exists, closed, available, lowest } = await this.peek(eventId, quantity, connection);
    if (closed) {
      await connection.unwatch();
      return { kind: 'closed' };
    }
    if (!exists || available < quantity) {
      await connection.unwatch();
      return exists ? { kind: 'sold-out', available } : { kind: 'missing' };
    }
    const committed = await this.execWatchedTake(connection, eventId, lowest, reservedUntil, record);
    if (committed === null) return { kind: 'conflict', reason: 'pool changed between WATCH and EXEC' };
    this.memo.record(eventId, available - quantity);
    return { kind: 'taken', seats: lowest };
  }

  /**
   * Moves exactly these seats from free to reserved, or nothing if any of them is
   * no longer free: the pessimistic strategy's fence if its lock was lost.
   */
  async moveToReserved(eventId: number, seats: number[], reservedUntil: number, availableBefore: number): Promise<TakeOutcome | Conflict> {
    const k = seatKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'move' });
    const record = this.takeRecord(eventId, reservedUntil);
    const moved = await this.settledIfUnanswered(eventId, seats.length, record, () =>
      this.commands.seatguardMove(k.free, k.reserved, k.meta, record.key, reservedUntil, record.ttlMs, ...seats),
    );
    if (moved === -4) return { kind: 'conflict', reason: 'take cancelled before it ran' };
    if (moved === -1) return { kind: 'missing' };
    if (moved === -3) return { kind: 'closed' };
    if (moved === 0) return { kind: 'conflict', reason: 'seats were taken while the lock was not held' };
    this.memo.record(eventId, availableBefore - seats.length);
    return { kind: 'taken', seats };
  }

  /**
   * The watched transaction of an optimistic take (WATCH on `connection`, including `record.key`, already sent):
   * moves `seats` from free to reserved and writes the take record; null if the pool (or the record: a cancel) changed.
   */
  async execWatchedTake(
    connection: Redis,
    eventId: number,
    seats: number[],
    reservedUntil: number,
    record: TakeRecord,
  ): Promise<[Error | null, unknown][] | null> {
    const k = seatKeys(eventId);
    return this.settledIfUnanswered(eventId, seats.length, record, () =>
      connection
        .multi()
        .zrem(k.free, ...seats)
        .zadd(k.reserved, ...seats.flatMap((seat) => [reservedUntil, seat]))
        .set(record.key, seats.join(','), 'PX', record.ttlMs)
        .exec(),
    );
  }

  /** A fresh take record for one attempt (its key carries the event's hash tag). */
  takeRecord(eventId: number, reservedUntil: number): TakeRecord {
    return newTakeRecord(eventId, reservedUntil);
  }

  /** SeatsInLimbo registers here: it settles a take whose reply and cancel were both lost. */
  onUnsettledTake(handler: UnsettledTakeHandler): void {
    this.unsettledTakes = handler;
  }

  /**
   * Gives back the seats of a take whose reply was lost, or makes the take a
   * no-op if it has not run yet (CANCEL_TAKE, idempotent); returns the seats given back.
   */
  async cancelTake(eventId: number, record: TakeRecord): Promise<number> {
    const k = seatKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'cancel-take' });
    const returned = await this.commands.seatguardCancelTake(k.free, k.reserved, k.meta, record.key, record.ttlMs);
    this.memo.forget(eventId);
    this.metrics.seatsReturned.inc({ reason: 'lost-take' }, returned);
    return returned;
  }

  /**
   * Runs one write that takes seats. If its reply is lost (a timeout, a
   * dropped connection: Redis may have run it, or may still run it), the take
   * is cancelled before the error goes up, so "503, nothing was taken" is
   * true. From the lost reply until a cancel gets through (retried if this
   * one is lost too), the seats count as in limbo (never a silent SOLD_OUT).
   */
  private async settledIfUnanswered<T>(eventId: number, seats: number, record: TakeRecord, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (answeredByRedis(error)) throw error;
      const cancel = () => this.cancelTake(eventId, record);
      // In limbo from now (not only once the cancel fails too): a buyer meanwhile hears SEATS_IN_LIMBO, not SOLD_OUT.
      const settled = this.unsettledTakes?.(eventId, seats, cancel, Date.now() + record.ttlMs);
      // Lost too: the entry in limbo retries it.
      if (
        await cancel().then(
          () => true,
          () => false,
        )
      )
        settled?.();
      throw error;
    }
  }

  /** Compensation: seats of a booking that failed go back (only those still held). */
  async releaseReserved(eventId: number, seats: number[]): Promise<number> {
    if (seats.length === 0) return 0;
    const k = seatKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'release' });
    const returned = await this.commands.seatguardRelease(k.free, k.reserved, k.meta, ...seats);
    this.memo.forget(eventId);
    this.metrics.seatsReturned.inc({ reason: 'compensation' }, returned);
    return returned;
  }

  async returnCancelled(eventId: number, seats: number[]): Promise<void> {
    const k = seatKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'return-cancelled' });
    const returned = await this.commands.seatguardReturnCancelled(k.free, k.reserved, k.meta, k.generation, ...seats);
    this.memo.forget(eventId);
    this.metrics.seatsReturned.inc({ reason: 'cancellation' }, returned);
  }

  async expiredReservations(eventId: number, now: number, limit: number): Promise<number[]> {
    const members = await this.redis.zrangebyscore(seatKeys(eventId).reserved, '-inf', now, 'LIMIT', 0, limit);
    return members.map(Number);
  }

  async settleExpired(eventId: number, now: number, seats: number[], ticketed: Set<number>): Promise<number> {
    const k = seatKeys(eventId);
    const pairs = seats.flatMap((s) => [s, ticketed.has(s) ? '1' : '0']);
    this.metrics.luaCalls.inc({ script: 'settle' });
    const returned = await this.commands.seatguardSettle(k.free, k.reserved, k.meta, now, ...pairs);
    this.memo.forget(eventId);
    // The label value predates the name "reservation"; kept so dashboards and recorded series stay continuous.
    this.metrics.seatsReturned.inc({ reason: 'expired-hold' }, returned);
    return returned;
  }

  /**
   * Shares "these seats are in limbo" with every instance, until `until` (ms)
   * at the latest (by then their Redis claim has expired and the reservation sweeper
   * settles them), so that no instance says SOLD_OUT about them.
   */
  async markInLimbo(eventId: number, id: string, seats: number, until: number): Promise<void> {
    await this.redis.zadd(seatKeys(eventId).limbo, until, `${id}:${seats}`);
  }

  async clearLimbo(eventId: number, id: string, seats: number): Promise<void> {
    await this.redis.zrem(seatKeys(eventId).limbo, `${id}:${seats}`);
  }

  /** Seats in limbo on any instance (entries past their `until` do not count, and are dropped). */
  async seatsInLimbo(eventId: number, now: number): Promise<number> {
    const key = seatKeys(eventId).limbo;
    const replies = (await this.redis.multi().zremrangebyscore(key, '-inf', now).zrangebyscore(key, now, '+inf').exec()) as [
      Error | null,
      unknown,
    ][];
    const [, [rangeError, members]] = replies as [unknown, [Error | null, string[]]];
    if (rangeError) throw rangeError;
    return members.reduce((sum, member) => sum + Number(member.slice(member.lastIndexOf(':') + 1)), 0);
  }

  async generation(eventId: number): Promise<string> {
    return (await this.redis.get(seatKeys(eventId).generation)) ?? '0';
  }

  /**
   * Free seats after the rebuild, or -1 when a cancellation made the snapshot
   * stale. The free seats (1..capacity minus `ticketed`) go to a staging key of
   * this rebuild's own, REBUILD_CHUNK_SEATS per command, then one short script
   * swaps them in (SWAP_IN_REBUILT_POOL). Bookings go on meanwhile on the old pool.
   */
  async rebuild(eventId: number, capacity: number, expectedGeneration: string, ticketed: number[]): Promise<number> {
    const k = seatKeys(eventId);
    const snapshotAt = Date.now();
    // Same hash tag as the pool: the swap's RENAME stays on one Redis Cluster slot.
    const staging = `${k.free}:staging:${randomBytes(8).toString('hex')}`;
    try {
      const sold = new Set(ticketed);
      let chunks: number[][] = [];
      let chunk: number[] = [];
      for (let seat = 1; seat <= capacity; seat++) {
        if (sold.has(seat)) continue;
        chunk.push(seat, seat);
        if (chunk.length === 2 * REBUILD_CHUNK_SEATS) {
          chunks.push(chunk);
          chunk = [];
        }
        if (chunks.length === CHUNKS_PER_ROUND_TRIP) {
          await this.stage(staging, chunks);
          chunks = [];
        }
      }
      if (chunk.length > 0) chunks.push(chunk);
      if (chunks.length > 0) await this.stage(staging, chunks);
      this.metrics.luaCalls.inc({ script: 'rebuild' });
      const free = await this.commands.seatguardSwapIn(
        k.free,
        k.reserved,
        k.meta,
        k.generation,
        staging,
        capacity,
        snapshotAt,
        expectedGeneration,
      );
      this.memo.forget(eventId);
      if (free >= 0) await this.redis.sadd(KNOWN_INVENTORIES_KEY, String(eventId));
      return free;
    } finally {
      // Renamed away after a swap; left over after a refused or failed one.
      await this.redis.unlink(staging).catch(() => undefined);
    }
  }

  /** One round trip, one ZADD command per chunk: Redis serves other clients between any two of them. */
  private async stage(staging: string, chunks: number[][]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const scoredSeats of chunks) pipeline.zadd(staging, ...scoredSeats);
    const replies = (await pipeline.pexpire(staging, STAGING_TTL_MS).exec()) as [Error | null, unknown][];
    const refused = replies.find(([error]) => error !== null)?.[0];
    if (refused) throw refused;
  }

  /** The capacity the pool was last built for, or null if there is no pool. */
  async builtCapacity(eventId: number): Promise<number | null> {
    const capacity = await this.redis.hget(seatKeys(eventId).meta, 'capacity');
    return capacity === null ? null : Number(capacity);
  }

  /** The capacity each pool was last built for (null: no pool), in one round trip. */
  async builtCapacities(eventIds: number[]): Promise<Map<number, number | null>> {
    if (eventIds.length === 0) return new Map();
    const pipeline = this.redis.pipeline();
    for (const id of eventIds) pipeline.hget(seatKeys(id).meta, 'capacity');
    const replies = (await pipeline.exec()) as [Error | null, string | null][];
    const refused = replies.find(([error]) => error !== null)?.[0];
    if (refused) throw refused;
    return new Map(eventIds.map((id, i) => [id, replies[i][1] === null ? null : Number(replies[i][1])]));
  }

  /**
   * An event off sale (ended, cancelled) leaves the sweep set and its pool is
   * dropped (DROP_INVENTORY). Should it come back on sale, its next booking
   * finds no pool and rebuilds it from MySQL. The generation stays, so a
   * rebuild in flight meanwhile still sees every cancellation.
   */
  async drop(eventId: number): Promise<void> {
    const k = seatKeys(eventId);
    await this.redis.srem(KNOWN_INVENTORIES_KEY, String(eventId));
    this.metrics.luaCalls.inc({ script: 'drop' });
    await this.commands.seatguardDrop(k.free, k.reserved, k.meta, CLOSED_MARKER_TTL_MS);
    this.memo.forget(eventId);
  }

  /** The event was cancelled: its pool closes for good, on every instance at once (see CLOSE_INVENTORY). */
  async close(eventId: number): Promise<void> {
    const k = seatKeys(eventId);
    this.metrics.luaCalls.inc({ script: 'close' });
    await this.commands.seatguardClose(k.free, k.reserved, k.meta, k.generation, Date.now());
    this.memo.forget(eventId);
  }

  async knownEventIds(): Promise<number[]> {
    return (await this.redis.smembers(KNOWN_INVENTORIES_KEY)).map(Number);
  }
}
