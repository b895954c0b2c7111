/** A ticket as its owner is told it; the controller makes HTTP of it (ISO dates, the page and booking links). */
export const QUEUE_STATUSES = ['waiting', 'admitted', 'sold_out', 'expired'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

/** The signed admission of an admitted ticket: one booking or hold of its event. */
export interface Admission {
  token: string;
  /** Unused by then, the admission is lost. */
  expiresAt: Date;
  /** false once a booking or hold used it (or it expired). */
  usable: boolean;
}

export interface TicketStatus {
  reference: string;
  eventId: number;
  status: QueueStatus;
  /** 1 = next; null when not waiting, and in a lottery before its draw. */
  position: number | null;
  /** Roughly; null when not waiting. */
  estimatedWaitSeconds: number | null;
  /** The opening (salesStartAt) while the room is a pre-queue, else null. */
  opensAt: Date | null;
  /** When the page should ask again. */
  pollAfterMs: number;
  /** Present when admitted. */
  admission?: Admission;
}

/** A ticket just taken: its status and its secret, shown once. */
export interface NewTicket extends TicketStatus {
  secret: string;
}
