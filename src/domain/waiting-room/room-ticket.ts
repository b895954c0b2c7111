/** A queue ticket as stored in the room (see room-scripts.ts for the short field names). */
export interface StoredTicket {
  /** waiting | admitted | using | served | expired */
  s: 'waiting' | 'admitted' | 'using' | 'served' | 'expired';
  /** Join sequence (the room's join order). */
  q: number;
  /** sha256 of the ticket's secret. */
  h: string;
  /** The customer's e-mail. */
  c: string;
  /** Joined at (epoch ms, as a string). */
  j: string;
  /** Admission valid until (epoch ms, as a string), once admitted. */
  u?: string;
  /** The admission's nonce, once admitted. */
  n?: string;
  /** Admitted at (epoch ms). */
  a?: string;
  /** Admission order: the room's n-th admission. */
  o?: number;
}

/** What a read of one ticket finds, with the room around it. */
export interface TicketView {
  ticket: StoredTicket;
  /** 1-based place in the line; null when not waiting. */
  position: number | null;
  soldOut: boolean;
  opened: boolean;
  /** The admission rate of the room's last step, or null before its first. */
  measuredRate: number | null;
  /** Admissions the room has made so far (read with the place: see revisit-cadence.ts placeNow). */
  admittedTotal: number;
}

/** What one admission step did. */
export interface AdmitResult {
  admitted: number;
  soldOut: boolean;
  /** The seat pool is not in Redis (lost with a Redis restart): nothing decided until it is rebuilt. */
  inventoryUnknown: boolean;
  /** The room's keys are gone (expired a grace period after it closed, or lost with a Redis restart). */
  gone: boolean;
  /** Admitted and not yet used, after the step. */
  unserved: number;
  /** floor((stock - seats in flight) x factor) used by the step. */
  limit: number;
  waiting: number;
  expired: number;
  admittedTotal: number;
  /** When each admitted ticket joined (epoch ms): wait times. */
  joinedAt: number[];
}

/** gone: the admission's ticket is not in the room any more (its keys expired, or Redis lost them). */
export type ClaimResult = 'taken' | 'replay' | 'unknown' | 'expired' | 'used' | 'gone';
