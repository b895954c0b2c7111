import type { Deadline } from '../../platform/concurrency/deadline';

export interface ReserveRequest {
  eventId: number;
  /** The event's strategy: how the take is made safe. */
  strategy: string;
  quantity: number;
  deadline: Deadline;
}

export type Reservation<T> = { kind: 'committed'; value: T } | { kind: 'sold-out'; available: number };

/** Thrown by a commit: MySQL already has one of the offered seats, so the pool is stale. */
export class SeatAlreadyTakenError extends Error {
  constructor(cause: unknown) {
    super('a seat of this booking is already held by another ticket', { cause });
  }
}

/**
 * A commit failure after which the seats may be sold (a COMMIT whose answer was
 * lost and MySQL could not be asked in time): they are not given back here;
 * the booking put them in limbo (`settleLater`), which settles them as soon
 * as MySQL answers again.
 */
export interface SeatsMayBeSold {
  readonly seatsMayBeSold: true;
}

export const seatsMayBeSold = (error: unknown): boolean => (error as Partial<SeatsMayBeSold> | null)?.seatsMayBeSold === true;

/**
 * The seats of every event, as the rest of the service sees them. The only
 * door into `inventory/`: bookings reserve and return seats, events check
 * strategy names and rebuild.
 */
export abstract class SeatInventory {
  /**
   * Takes `quantity` seats with the event's strategy and hands them to
   * `commit` (which writes them to MySQL). If `commit` throws, the seats go
   * back to the pool (unless the error says they may be sold) and the error
   * is rethrown; a SeatAlreadyTakenError rebuilds the pool and tries again.
   * Contention waits, bounded by the deadline; never a "busy" answer.
   */
  abstract reserve<T>(request: ReserveRequest, commit: (seats: number[]) => Promise<T>): Promise<Reservation<T>>;

  /**
   * Seats of a booking whose outcome is unknown (its COMMIT answer was lost):
   * `committed` is asked again until MySQL answers; not committed, the seats
   * go back on sale. Until then a would-be SOLD_OUT they could change is a
   * 503 SEATS_IN_LIMBO.
   */
  abstract settleLater(eventId: number, seats: number[], committed: () => Promise<boolean>): void;

  /**
   * Before a SOLD_OUT is told (on a path that takes seats without `reserve`, like group commit):
   * throws SeatsInLimboError if seats in limbo could still serve `quantity` (docs/design.md §1.7).
   */
  abstract assertSoldOut(eventId: number, quantity: number, available: number): Promise<void>;

  /** MySQL may have freed seats Redis does not know of (a change whose COMMIT answer was lost): rebuild once MySQL answers. */
  abstract reconcileLater(eventId: number, reason: string): void;

  /** A cancellation freed these seats in MySQL: back on sale (later, by reconciliation, if Redis is away now). */
  abstract returnCancelled(eventId: number, seats: number[]): Promise<void>;

  /** Seats on general sale now (Redis), or null if the pool is missing (then MySQL decides at the next booking). */
  abstract freeSeats(eventId: number): Promise<number | null>;

  /**
   * The event was cancelled (MySQL committed it): its pool closes for good in
   * one step, so every instance's next reservation is EVENT_CANCELLED,
   * whatever its cached copy of the event says. A rebuild keeps it closed.
   */
  abstract close(eventId: number): Promise<void>;

  /** Rebuilds the event's pool from MySQL (closed if the event is cancelled); returns the free seats. */
  abstract rebuild(eventId: number, reason: string): Promise<number>;

  /**
   * MySQL now says the event has `capacity` seats: a pool built for another
   * capacity is rebuilt now, or, if Redis refuses, by the reservation sweeper as soon
   * as it can (and by any instance that finds the pool's capacity stale).
   * Never throws: the change is committed in MySQL either way.
   */
  abstract matchCapacity(eventId: number, capacity: number): Promise<void>;

  /** Throws UnknownStrategyError unless `name` is a registered strategy. */
  abstract assertKnownStrategy(name: string): void;
}
