import type { Deadline } from '../common/deadline';
import type { TakeOutcome } from '../inventory/inventory-store';
import type { StrategyName } from './strategy-name';

export interface SeatRequest {
  eventId: number;
  quantity: number;
  deadline: Deadline;
  /** Epoch ms until which taken seats stay reserved for this request. */
  holdUntil: number;
}

/**
 * The inventory step of a booking: take `quantity` seats out of the event's
 * pool, or say it is sold out, or that the pool is missing. Implementations
 * differ only in how they make that step safe under concurrency.
 */
export interface BookingStrategy {
  readonly name: StrategyName;
  takeSeats(request: SeatRequest): Promise<TakeOutcome>;
}

export const BOOKING_STRATEGIES = Symbol('BOOKING_STRATEGIES');
