import type { Deadline } from '../../../platform/concurrency/deadline';
import type { SqlTransaction } from '../../../platform/database/bounded-sql';
import type { Event, EventChanges, NewEvent, SeatCounts } from '../event.model';

/**
 * Work that must commit together with an event's change (the waiting list's offer of new seats). It may run
 * again after a lost COMMIT, so it must work only from the `change` it is given.
 */
export type ChangeHook = (tx: SqlTransaction, change: { before: Event; after: Event }) => Promise<void>;

/** The events store, as the service layer needs it. */
export abstract class EventsRepository {
  abstract create(input: NewEvent): Promise<Event>;
  abstract findById(id: number, deadline?: Deadline): Promise<Event | null>;
  /** Events with id greater than `afterId`, oldest first. */
  abstract listAfter(afterId: number, limit: number): Promise<Event[]>;
  abstract updateStrategy(id: number, strategy: string): Promise<Event | null>;
  /**
   * Applies `changes` in one transaction. A lower capacity is checked against
   * the highest seat held or ticketed while the event row is locked (bookings
   * in flight hold a shared lock on it through their foreign key, so none
   * slips past): CapacityBelowSoldError (errors/domain-errors) if it does not fit. `alsoInTransaction`
   * runs before the commit, so what it writes commits with the change or not at all.
   */
  abstract update(id: number, changes: EventChanges, alsoInTransaction?: ChangeHook): Promise<{ before: Event; after: Event } | null>;
  /** Marks the event cancelled, and every held or confirmed booking with it (tickets deleted). */
  abstract cancel(id: number): Promise<Event | null>;
  /** Seats sold and held per event, for the given events. */
  abstract seatCounts(ids: number[]): Promise<Map<number, SeatCounts>>;
}
