import type { Deadline } from '../../../platform/concurrency/deadline';
import type { Conflict, TakeOutcome } from '../seat-pool';

export interface SeatRequest {
  eventId: number;
  quantity: number;
  deadline: Deadline;
  /** Epoch ms until which taken seats stay reserved for this request. */
  reservedUntil: number;
}

/** One try: seats taken, sold out, inventory missing, or lost a race (try again after a backoff). */
export type AttemptOutcome = TakeOutcome | Conflict;

/**
 * How one attempt to take `quantity` seats from an event's pool is made safe
 * under concurrency: a lock, a WATCH, a script. Retrying, rebuilding a missing
 * pool and giving seats back are SeatReservation's, the same for every strategy.
 *
 * Adding a strategy: one class implementing this (with a static
 * `strategyName`), its spec, one entry in `strategy-name.ts`'s
 * SEAT_STRATEGY_CLASSES.
 */
export interface SeatStrategy {
  readonly name: string;
  attempt(request: SeatRequest): Promise<AttemptOutcome>;
}

/** All registered strategies, as an array (the registry's input). */
export const SEAT_STRATEGIES = Symbol('SEAT_STRATEGIES');
