import type Redis from 'ioredis';
import { inventoryKeys } from './inventory-keys';

export interface PoolView {
  exists: boolean;
  available: number;
  /** The `quantity` lowest free seats, as Redis members. */
  lowest: string[];
}

/**
 * One round trip: does the inventory exist, how many seats are free, which
 * ones would be taken. Takes the connection explicitly: the optimistic
 * strategy must read on the connection that holds its WATCH.
 */
export async function peekPool(redis: Redis, eventId: number, quantity: number): Promise<PoolView> {
  const k = inventoryKeys(eventId);
  const [[, exists], [, available], [, lowest]] = (await redis
    .pipeline()
    .exists(k.meta)
    .zcard(k.free)
    .zrange(k.free, 0, String(quantity - 1)) // ioredis 6 types the stop as a string
    .exec()) as [[null, number], [null, number], [null, string[]]];
  return { exists: exists === 1, available, lowest };
}
