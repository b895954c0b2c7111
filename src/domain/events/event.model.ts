/** An event's waiting room: `off`, or on with the pre-queue admitted in join order (`fifo`) or shuffled once (`lottery`). */
export const QUEUE_MODES = ['off', 'fifo', 'lottery'] as const;
export type QueueMode = (typeof QUEUE_MODES)[number];

export interface Event {
  id: number;
  name: string;
  startsAt: Date;
  /** Bookings and holds are refused before this instant (null: on sale from creation). */
  salesStartAt: Date | null;
  /** ... and from this instant on (null: until cancelled). */
  salesEndAt: Date | null;
  capacity: number;
  priceCents: number;
  strategy: string;
  maxPerCustomer: number | null;
  /** How long a checkout hold of this event lasts; null: CHECKOUT_HOLD_TTL_MS. */
  checkoutHoldTtlMs: number | null;
  /** With a room (not `off`), bookings and holds need an admission from the event's waiting room. */
  queueMode: QueueMode;
  /** Set when an admin cancelled the event: nothing is sold any more. */
  cancelledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewEvent = Omit<Event, 'id' | 'createdAt' | 'updatedAt' | 'cancelledAt'>;

/** What PATCH may change; absent fields stay, `null` clears a nullable one. */
export type EventChanges = Partial<
  Pick<Event, 'name' | 'startsAt' | 'salesStartAt' | 'salesEndAt' | 'maxPerCustomer' | 'checkoutHoldTtlMs' | 'capacity' | 'queueMode'>
>;

/** Seats per state, from MySQL's ticket rows. */
export interface SeatCounts {
  /** Seats of confirmed bookings. */
  sold: number;
  /** Seats in live checkout holds (unavailable, not yet sold). */
  held: number;
}

/** An event with its seat counts from MySQL: what the admin's event answers are made of. */
export interface CountedEvent {
  event: Event;
  counts: SeatCounts;
}
