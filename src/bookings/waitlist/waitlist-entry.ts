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

export abstract class WaitlistRepository {
  abstract join(entry: Pick<WaitlistEntry, 'reference' | 'secretHash' | 'eventId' | 'customerEmail' | 'quantity'>): Promise<WaitlistEntry>;
  abstract findByReference(reference: string): Promise<WaitlistEntry | null>;
  /** 1 for the head of the queue; null when the entry no longer waits. */
  abstract positionOf(entry: WaitlistEntry): Promise<number | null>;
  /** waiting or offered → left; returns the entry as it is afterwards. */
  abstract leave(id: number): Promise<WaitlistEntry>;
}
