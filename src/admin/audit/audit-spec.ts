import type { AuditTargetType } from './persistence/audit-log.repository';

export interface AuditSpec {
  /** e.g. `event.update`, `strategy.switch`. */
  action: string;
  target: AuditTargetType;
  /** Where the target's id is: the `:id` route parameter, or the `id` of what the route returns (a create). */
  idFrom: 'param' | 'result';
  /** What `after` records: the target as stored after the change (default), or the route's answer (reconcile). */
  after?: 'snapshot' | 'result';
}

export const AUDIT_SPEC = 'seatguard:audit';
