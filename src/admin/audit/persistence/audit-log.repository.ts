export const AUDIT_TARGET_TYPES = ['event', 'admin-key', 'booking', 'waitlist-entry', 'webhook-endpoint', 'webhook-delivery'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  actorKeyId: number | null;
  action: string;
  targetType: AuditTargetType;
  targetId: string | null;
  requestId: string | null;
  before: unknown;
  after: unknown;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

/** The audit log: appended to, never changed. */
export abstract class AuditLogRepository {
  abstract append(entry: NewAuditEntry): Promise<void>;
  /** Newest first, entries older than `beforeId` (all when null). */
  abstract page(beforeId: number | null, limit: number): Promise<AuditEntry[]>;
}
