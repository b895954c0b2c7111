import type { AuditTargetType } from './persistence/audit-log.repository';

export interface AuditSpec {
  /** e.g. `event.update`, `strategy.switch`. */
  action: string;
  target: AuditTargetType;
  /**
   * Where the target's id is: the `:id` route parameter, the `:reference` route parameter (a booking or a
   * waiting-list entry), or the `id` of what the route returns (a create).
   */
  idFrom: 'param' | 'reference' | 'result';
  /** What `after` records: the target as stored after the change (default), or the route's answer (reconcile). */
  after?: 'snapshot' | 'result';
}

export const AUDIT_SPEC = 'seatguard:audit';
