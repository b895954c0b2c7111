import { eventHashTag } from '../../platform/redis/event-hash-tag';

/**
 * The Redis layout of an event's seats. Only `inventory/` reads it (a layer
 * rule checks that). Every key of one event carries the same hash tag, so
 * scripts, WATCH and MULTI over several of them stay on one slot of a Redis
 * Cluster.
 */
export interface SeatKeys {
  /** ZSET of free seat numbers (score = seat number, so seats go out lowest first). */
  free: string;
  /**
   * ZSET of seats reserved (taken from the pool while a booking is written, not
   * yet known settled): seat -> reservation expiry (ms). Stored under the key
   * suffix `:held`, its name before reservations were named apart from checkout
   * holds: keeping it keeps a rolling upgrade's old and new instances on one key.
   */
  reserved: string;
  /** HASH written by every rebuild; its absence means "inventory unknown", never "sold out". */
  meta: string;
  /** Bumped by every cancellation so a rebuild racing one can tell its snapshot is stale. */
  generation: string;
  /** Redlock resource of the pessimistic strategy. */
  lock: string;
  /** ZSET of bookings in doubt on any instance (a lost COMMIT not settled yet): "<id>:<seats>" -> until (ms). */
  limbo: string;
  /** STRING per take: the seats it took, or the tombstone "cancelled" (see CANCEL_TAKE); lives as long as the reservation. */
  take(id: string): string;
}

export function seatKeys(eventId: number): SeatKeys {
  const tag = eventHashTag(eventId);
  return {
    free: `${tag}:free`,
    reserved: `${tag}:held`,
    meta: `${tag}:meta`,
    generation: `${tag}:gen`,
    lock: `${tag}:lock`,
    limbo: `${tag}:limbo`,
    take: (id: string) => `${tag}:take:${id}`,
  };
}

/** Events that have an inventory in Redis, for the reservation sweeper. */
export const KNOWN_INVENTORIES_KEY = 'seatguard:inventories';
