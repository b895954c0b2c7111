import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { concatMap, from, Observable, switchMap } from 'rxjs';
import { ADMIN_PRINCIPAL, WithAdminPrincipal } from '../auth/admin-scopes';
import { requestIdOf } from '../../platform/logging/request-id';
import { AuditSnapshots } from './audit-snapshots';
import { AUDIT_SPEC, AuditSpec } from './audit-spec';
import { AuditLogRepository } from './persistence/audit-log.repository';

const POSITIVE_ID = /^[1-9][0-9]{0,9}$/;
/** Booking (`bk_`) and waiting-list (`wl_`) references; anything else is refused by the route as not found. */
const REFERENCE = /^[a-z]{2}_[A-Za-z0-9_-]{22,32}$/;

/** The target named by the route's parameters; null when malformed (the route refuses it right after: nothing to read). */
function targetIdBefore(spec: AuditSpec, params: Record<string, string> | undefined): string | null {
  if (spec.idFrom === 'param') return params?.id !== undefined && POSITIVE_ID.test(params.id) ? params.id : null;
  if (spec.idFrom === 'reference') return params?.reference !== undefined && REFERENCE.test(params.reference) ? params.reference : null;
  return null;
}

function idOfResult(result: unknown): string | null {
  const id = Number((result as { id?: unknown } | null)?.id);
  return Number.isNaN(id) ? null : String(id);
}

/**
 * Reads the target before the route runs and after it succeeded, and appends
 * both to the audit log with who asked (the guard's principal) and the request
 * id. A refused or failed change is not a change and writes nothing. The entry
 * is written after the change commits: if MySQL fails in between, the change
 * stands, the answer says so, and an error line (with the request id) says
 * which entry is missing.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('AuditLog');

  constructor(
    private readonly reflector: Reflector,
    private readonly snapshots: AuditSnapshots,
    private readonly log: AuditLogRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDIT_SPEC, context.getHandler());
    const request = context.switchToHttp().getRequest<{ params?: Record<string, string> } & WithAdminPrincipal>();
    // No principal: not an admin's change (an owner's, on a route open to an owner or an admin), not for this log.
    if (!spec || !request[ADMIN_PRINCIPAL]) return next.handle();
    const targetId = targetIdBefore(spec, request.params);
    const before = targetId === null ? Promise.resolve(null) : this.snapshots.load(spec.target, targetId);
    return from(before).pipe(
      switchMap((beforeState) =>
        next.handle().pipe(concatMap((result: unknown) => this.record(spec, request, targetId, beforeState, result).then(() => result))),
      ),
    );
  }

  private async record(
    spec: AuditSpec,
    request: WithAdminPrincipal,
    idBefore: string | null,
    before: unknown,
    result: unknown,
  ): Promise<void> {
    const principal = request[ADMIN_PRINCIPAL];
    const targetId = spec.idFrom === 'result' ? idOfResult(result) : idBefore;
    const requestId = requestIdOf(request) ?? null;
    try {
      const after = spec.after === 'result' ? result : targetId === null ? null : await this.snapshots.load(spec.target, targetId);
      await this.log.append({
        actor: principal?.actor ?? 'unknown',
        actorKeyId: principal?.keyId ?? null,
        action: spec.action,
        targetType: spec.target,
        targetId,
        requestId,
        before,
        after,
      });
    } catch (error) {
      this.logger.error(
        { err: error, reqId: requestId, action: spec.action, targetId },
        'admin change made but not recorded in the audit log',
      );
    }
  }
}
