import type { Booking } from '../bookings/booking.model';

/** waiting → offered → fulfilled | expired; waiting | offered → left; any → cancelled with the event. */
export type WaitlistStatus = 'waiting' | 'offered' | 'fulfilled' | 'expired' | 'left' | 'cancelled';
export const WAITLIST_STATUSES: WaitlistStatus[] = ['waiting', 'offered', 'fulfilled', 'expired', 'left', 'cancelled'];

export interface WaitlistEntry {
  id: number;
  reference: string;
  secretHash: string;
  eventId: number;
  customerEmail: string;
  quantity: number;
  status: WaitlistStatus;
  /** The hold made for this entry when seats came back (status offered and after). */
  offerBookingId: number | null;
  createdAt: Date;
}

export type NewWaitlistEntry = Pick<WaitlistEntry, 'reference' | 'secretHash' | 'eventId' | 'customerEmail' | 'quantity'>;

/** An entry as its owner (or the admin) is shown it: its place in line and the hold it was offered. */
export interface WaitlistEntryView {
  entry: WaitlistEntry;
  /** 1 for the head of the queue; null once the entry no longer waits. */
  position: number | null;
  offer: Booking | null;
  /** Only in the answer to the join; null after. */
  secret: string | null;
}

/** Why MySQL would not take a join. */
export type JoinRefusal = 'full' | 'already-joined' | 'event-cancelled';

export abstract class WaitlistRepository {
  /**
   * A new waiting entry, unless the event has `maxEntries` live entries
   * already, the customer has a live one, or the event is cancelled. Joins of
   * one event take their turn (a lock row per event), so the cap is exact.
   */
  abstract join(entry: NewWaitlistEntry, maxEntries: number): Promise<WaitlistEntry | JoinRefusal>;
  abstract findByReference(reference: string): Promise<WaitlistEntry | null>;
  /** 1 for the head of the queue; null when the entry no longer waits. */
  abstract positionOf(entry: WaitlistEntry): Promise<number | null>;
  abstract findById(id: number): Promise<WaitlistEntry>;
}
