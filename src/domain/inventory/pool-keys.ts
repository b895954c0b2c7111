import { seatKeys } from './seat-keys';

/**
 * The part of an event's seat layout another feature's Lua step may READ in
 * the same atomic step (same hash tag): the free pool and the key whose
 * presence says the pool is known. The waiting room admits by it. Writes stay
 * with the inventory's own scripts.
 */
export function readablePoolKeys(eventId: number): { free: string; meta: string } {
  const { free, meta } = seatKeys(eventId);
  return { free, meta };
}
