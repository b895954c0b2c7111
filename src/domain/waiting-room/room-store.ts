import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { readablePoolKeys } from '../inventory/pool-keys';
import { REDIS_CLIENT } from '../../platform/redis/redis.tokens';
import { ACTIVE_ROOMS_KEY, roomKeys } from './room-keys';
import { ADMIT, CLAIM_ADMISSION, JOIN_ROOM, OPEN_ROOM, READ_TICKET, SETTLE_ADMISSION } from './room-scripts';
import type { AdmitResult, ClaimResult, StoredTicket, TicketView } from './room-ticket';
import { defineLuaCommands } from '../../platform/redis/lua-commands';
import { waitingRoomConfig, WaitingRoomConfig } from '../../platform/config/configuration';
import { SERVED_WINDOW_SECONDS } from './admission-rate';

type Reply = (string | number)[];

/** A second's served counter is read for the window's seconds after it, then of no use. */
const SERVED_COUNTER_TTL_MS = (SERVED_WINDOW_SECONDS + 2) * 1000;

interface RoomCommands {
  seatguardRoomJoin(...args: (string | number)[]): Promise<Reply>;
  seatguardRoomRead(...args: (string | number)[]): Promise<Reply>;
  seatguardRoomOpen(...args: (string | number)[]): Promise<number>;
  seatguardRoomAdmit(...args: (string | number)[]): Promise<number[] | Reply>;
  seatguardRoomClaim(...args: (string | number)[]): Promise<number>;
  seatguardRoomSettle(...args: (string | number)[]): Promise<number>;
}

const CLAIMS: Record<string, ClaimResult> = { '1': 'taken', '2': 'replay', '-1': 'unknown', '-2': 'expired', '-3': 'used', '-4': 'gone' };

/** Every Redis read and write of the waiting room; the only code that knows its layout. */
@Injectable()
export class RoomStore implements OnModuleInit {
  private readonly commands: RoomCommands;

  /** Time to live of every room key, refreshed while the room is active (WAITING_ROOM_KEY_GRACE_MS). */
  private readonly graceMs: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(waitingRoomConfig.KEY) config: WaitingRoomConfig,
  ) {
    this.graceMs = config.keyGraceMs;
    this.commands = redis as unknown as RoomCommands;
  }

  onModuleInit(): void {
    defineLuaCommands<keyof RoomCommands>(this.redis, {
      seatguardRoomJoin: [4, JOIN_ROOM],
      seatguardRoomRead: [3, READ_TICKET],
      seatguardRoomOpen: [2, OPEN_ROOM],
      seatguardRoomAdmit: [8, ADMIT],
      seatguardRoomClaim: [4, CLAIM_ADMISSION],
      seatguardRoomSettle: [5, SETTLE_ADMISSION],
    });
  }

  /** A new ticket at the back of the line, or the customer's live ticket's reference. */
  async join(
    eventId: number,
    reference: string,
    secretHash: string,
    customer: string,
    now: number,
  ): Promise<{ joined: true; position: number } | { joined: false; existing: string }> {
    const k = roomKeys(eventId);
    const reply = await this.commands.seatguardRoomJoin(
      k.room,
      k.line,
      k.customers,
      k.tickets,
      reference,
      secretHash,
      customer,
      String(now),
      this.graceMs,
    );
    // The set of rooms to walk is outside the hash tag: a plain single-key command.
    await this.redis.sadd(ACTIVE_ROOMS_KEY, String(eventId));
    return Number(reply[0]) === 1 ? { joined: true, position: Number(reply[2]) } : { joined: false, existing: String(reply[1]) };
  }

  async read(eventId: number, reference: string): Promise<TicketView | null> {
    const k = roomKeys(eventId);
    const reply = await this.commands.seatguardRoomRead(k.room, k.line, k.tickets, reference);
    if (Number(reply[0]) !== 1) return null;
    const rank = Number(reply[2]);
    return {
      ticket: JSON.parse(String(reply[1])) as StoredTicket,
      position: rank >= 0 ? rank + 1 : null,
      soldOut: reply[3] === '1',
      opened: reply[4] === '1',
      measuredRate: reply[5] === '' ? null : Number(reply[5]),
      admittedTotal: Number(reply[6] ?? 0),
    };
  }

  async exists(eventId: number): Promise<boolean> {
    return (await this.redis.exists(roomKeys(eventId).room)) === 1;
  }

  async isOpen(eventId: number): Promise<boolean> {
    return (await this.redis.hget(roomKeys(eventId).room, 'opened')) === '1';
  }

  /** The pre-queue in its join order: references and their sequence numbers. */
  async preQueue(eventId: number): Promise<{ reference: string; score: number }[]> {
    const flat = await this.redis.zrange(roomKeys(eventId).line, '0', '-1', 'WITHSCORES');
    const members: { reference: string; score: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) members.push({ reference: flat[i], score: Number(flat[i + 1]) });
    return members;
  }

  /** Opens the room once; `order` (lottery) gives each pre-queued reference its drawn place. */
  async open(eventId: number, order: { reference: string; score: number }[]): Promise<boolean> {
    const k = roomKeys(eventId);
    const pairs = order.flatMap((m) => [m.reference, m.score]);
    return (await this.commands.seatguardRoomOpen(k.room, k.line, ...pairs)) === 1;
  }

  async admit(
    eventId: number,
    step: {
      now: number;
      /** Seats in checkout holds and offers that may lapse (MySQL); the free pool is read in the step. */
      lapsable: number;
      factor: number;
      ratePerSecond: number;
      validUntil: number;
      nonceBase: string;
      /** A claim in use longer than this is over (its booking answered or its instance died). */
      staleClaimMs: number;
      /** capacity - MySQL's tickets (sold and held): with the free pool, tells the seats in limbo. */
      unsold: number;
    },
  ): Promise<AdmitResult> {
    const k = roomKeys(eventId);
    const pool = readablePoolKeys(eventId);
    const reply = (
      await this.commands.seatguardRoomAdmit(
        k.room,
        k.line,
        k.admitted,
        k.tickets,
        k.using,
        pool.free,
        pool.meta,
        k.customers,
        String(step.now),
        step.lapsable,
        step.factor,
        step.ratePerSecond,
        String(step.validUntil),
        step.nonceBase,
        step.staleClaimMs,
        step.unsold,
        this.graceMs,
      )
    ).map(Number);
    return {
      admitted: reply[0],
      soldOut: reply[1] === 1,
      inventoryUnknown: reply[1] === -1,
      gone: reply[1] === -2,
      unserved: reply[2],
      limit: reply[3],
      waiting: reply[4],
      expired: reply[5],
      admittedTotal: reply[6],
      joinedAt: reply.slice(7),
    };
  }

  /**
   * Bookings and holds answered with an admission, per whole second of the window before `now` (the same
   * counters for every instance).
   */
  async servedCounts(eventId: number, now: number): Promise<number[]> {
    const k = roomKeys(eventId);
    const second = Math.floor(now / 1000);
    const keys = Array.from({ length: SERVED_WINDOW_SECONDS }, (_, i) => k.served(second - 1 - i));
    return (await this.redis.mget(...keys)).map((n) => Number(n ?? 0));
  }

  async claim(
    eventId: number,
    claim: { reference: string; nonce: string; customer: string; now: number; keyHash: string; quantity: number },
  ): Promise<ClaimResult> {
    const k = roomKeys(eventId);
    const reply = await this.commands.seatguardRoomClaim(
      k.room,
      k.admitted,
      k.tickets,
      k.using,
      claim.reference,
      claim.nonce,
      claim.customer,
      String(claim.now),
      claim.keyHash,
      claim.quantity,
      this.graceMs,
    );
    return CLAIMS[String(reply)] ?? 'unknown';
  }

  async settle(eventId: number, reference: string, nonce: string, outcome: 'served' | 'returned', now: number): Promise<void> {
    const k = roomKeys(eventId);
    await this.commands.seatguardRoomSettle(
      k.room,
      k.admitted,
      k.tickets,
      k.using,
      k.served(Math.floor(now / 1000)),
      reference,
      nonce,
      outcome,
      String(now),
      this.graceMs,
      SERVED_COUNTER_TTL_MS,
    );
  }

  async activeRooms(): Promise<number[]> {
    return (await this.redis.smembers(ACTIVE_ROOMS_KEY)).map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);
  }

  /** Stops walking a room whose keys are gone; a join that re-created it meanwhile puts it back. */
  async forgetRoom(eventId: number): Promise<void> {
    await this.redis.srem(ACTIVE_ROOMS_KEY, String(eventId));
    if ((await this.redis.exists(roomKeys(eventId).room)) === 1) await this.redis.sadd(ACTIVE_ROOMS_KEY, String(eventId));
  }
}
