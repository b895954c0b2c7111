import { DomainError, EventCancelledError, InvalidInputError, SaleClosedError, SaleNotOpenError } from '../../shared/errors/domain-errors';
import type { Event } from '../events/event.model';

/**
 * The checks every way of asking for seats makes first (a booking, a checkout hold, a waiting-list join),
 * from the request and the cached event, before any round trip.
 */

/** More tickets than MAX_TICKETS_PER_BOOKING in one request: 400 naming `quantity`. */
export function assertQuantityAllowed(quantity: number, maxTicketsPerBooking: number): void {
  if (quantity > maxTicketsPerBooking) throw new InvalidInputError(`quantity must not be greater than ${maxTicketsPerBooking}`);
}

/**
 * The sale window and cancellation: refusals before the opening instant cost no round trip, and nothing leaks
 * through early (the clock decides, not the cache). `beforeOpening: 'allowed'`: the waiting list, which a buyer
 * may join before the sale opens.
 */
export function saleRefusal(
  event: Pick<Event, 'id' | 'cancelledAt' | 'salesStartAt' | 'salesEndAt'>,
  now: number,
  beforeOpening: 'refused' | 'allowed' = 'refused',
): DomainError | null {
  if (event.cancelledAt) return new EventCancelledError(event.id);
  if (beforeOpening === 'refused' && event.salesStartAt && now < event.salesStartAt.getTime()) {
    return new SaleNotOpenError(event.salesStartAt, now);
  }
  if (event.salesEndAt && now >= event.salesEndAt.getTime()) return new SaleClosedError(event.salesEndAt);
  return null;
}
