/** What the inventory needs to know from MySQL, the source of truth. */
export abstract class TicketLedger {
  /** Seat numbers currently held by a ticket. */
  abstract ticketedSeats(eventId: number): Promise<number[]>;
  /** Which of these seats are held by a ticket. */
  abstract ticketedAmong(eventId: number, seats: number[]): Promise<Set<number>>;
  /** The event's capacity, or null if it does not exist. */
  abstract capacityOf(eventId: number): Promise<number | null>;
  /** Whether the event is cancelled (its pool must stay closed). */
  abstract isCancelled(eventId: number): Promise<boolean>;
  /**
   * The capacity of every live event (not cancelled, its sale not ended) among
   * `ids`, or of every live event when `ids` is omitted; ended events are left out.
   */
  abstract liveCapacities(ids?: number[]): Promise<Map<number, number>>;
}
