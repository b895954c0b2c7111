import type { Deadline } from '../../concurrency/deadline';
import type { Event, NewEvent } from '../event.model';

/** The events store, as the service layer needs it. */
export abstract class EventsRepository {
  abstract create(input: NewEvent): Promise<Event>;
  abstract findById(id: number, deadline?: Deadline): Promise<Event | null>;
  /** Events with id greater than `afterId`, oldest first. */
  abstract listAfter(afterId: number, limit: number): Promise<Event[]>;
  abstract updateStrategy(id: number, strategy: string): Promise<Event | null>;
  /** Tickets held per event (the "sold" figure), for the given events. */
  abstract soldCounts(ids: number[]): Promise<Map<number, number>>;
}
