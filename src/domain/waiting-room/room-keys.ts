import { eventHashTag } from '../../platform/redis/event-hash-tag';

/**
 * The Redis layout of one event's waiting room. Every key carries the event's
 * hash tag, so each Lua step over them runs on one Redis Cluster slot. Only
 * room-store.ts reads it.
 */
export interface RoomKeys {
  /** HASH: seq, opened, soldOut, version, tokens, refilledAt, admittedTotal, servedTotal, expiredTotal, rate. */
  room: string;
  /** ZSET of waiting tickets, scored by their place (join sequence; the lottery's draw at the opening). */
  line: string;
  /** ZSET of admitted tickets not yet used: reference -> admission valid until (ms). */
  admitted: string;
  /** ZSET of admissions in use by a booking in flight: reference -> claimed at (ms). */
  using: string;
  /** HASH customer e-mail -> their latest ticket (one live ticket per customer). */
  customers: string;
  /** HASH reference -> ticket JSON (see room-scripts.ts). */
  tickets: string;
  /** STRING per second (epoch s): bookings and holds answered with an admission in it (the measured rate). */
  served: (second: number) => string;
}

export function roomKeys(eventId: number): RoomKeys {
  const tag = eventHashTag(eventId);
  return {
    room: `${tag}:room`,
    line: `${tag}:room:line`,
    admitted: `${tag}:room:admitted`,
    using: `${tag}:room:using`,
    customers: `${tag}:room:customers`,
    tickets: `${tag}:room:tickets`,
    served: (second) => `${tag}:room:served:${second}`,
  };
}

/** Events with a room someone joined: every instance's admission loop walks these. */
export const ACTIVE_ROOMS_KEY = 'seatguard:rooms';
