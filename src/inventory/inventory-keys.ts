/**
 * Every Redis key of one event carries the same hash tag, so scripts, WATCH
 * and MULTI over several of them stay on one slot of a Redis Cluster.
 */
export interface InventoryKeys {
  /** ZSET of free seat numbers (score = seat number, so seats go out lowest first). */
  free: string;
  /** ZSET of seats taken from the pool but not yet known settled: seat -> hold expiry (ms). */
  held: string;
  /** HASH written by every rebuild; its absence means "inventory unknown", never "sold out". */
  meta: string;
  /** Bumped by every cancellation so a rebuild racing one can tell its snapshot is stale. */
  generation: string;
  /** Redlock resource of the pessimistic strategy. */
  lock: string;
  idempotency(key: string): string;
}

export function inventoryKeys(eventId: number): InventoryKeys {
  const tag = `{event:${eventId}}`;
  return {
    free: `${tag}:free`,
    held: `${tag}:held`,
    meta: `${tag}:meta`,
    generation: `${tag}:gen`,
    lock: `${tag}:lock`,
    idempotency: (key: string) => `${tag}:idem:${key}`,
  };
}

/** Events that have an inventory in Redis, for the hold sweeper. */
export const KNOWN_INVENTORIES_KEY = 'seatguard:inventories';
/** Pub/sub channel: an event changed (its strategy), drop cached copies. */
export const EVENT_CHANGED_CHANNEL = 'seatguard:event-changed';
