import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { concatMap, from, Observable, switchMap } from 'rxjs';
import { ADMIN_PRINCIPAL, WithAdminPrincipal } from '../auth/admin-scopes';
import { requestIdOf } from '../../platform/logging/request-id';
import { AuditSnapshots } from './audit-snapshots';
import { AUDIT_SPEC, AuditSpec } from './audit-spec';
import { AuditLogRepository } from './persistence/audit-log.repository';

const POSITIVE_ID = /^[1-9][0-9]{0,9}$/;

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
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<{ params?: Record<string, string> } & WithAdminPrincipal>();
    const param = request.params?.id;
    // A malformed id is refused by the route's pipe right after this; nothing to read then.
    const paramId = spec.idFrom === 'param' && param !== undefined && POSITIVE_ID.test(param) ? Number(param) : null;
    const before = paramId === null ? Promise.resolve(null) : this.snapshots.load(spec.target, paramId);
    return from(before).pipe(
      switchMap((beforeState) =>
        next.handle().pipe(concatMap((result: unknown) => this.record(spec, request, paramId, beforeState, result).then(() => result))),
      ),
    );
  }

  private async record(
    spec: AuditSpec,
    request: WithAdminPrincipal,
    paramId: number | null,
    before: unknown,
    result: unknown,
  ): Promise<void> {
    const principal = request[ADMIN_PRINCIPAL];
    const targetId = spec.idFrom === 'param' ? paramId : Number((result as { id?: unknown } | null)?.id);
    const requestId = requestIdOf(request) ?? null;
    try {
      const after =
        spec.after === 'result'
          ? result
          : targetId === null || Number.isNaN(targetId)
            ? null
            : await this.snapshots.load(spec.target, targetId);
      await this.log.append({
        actor: principal?.actor ?? 'unknown',
        actorKeyId: principal?.keyId ?? null,
        action: spec.action,
        targetType: spec.target,
        targetId: targetId === null || Number.isNaN(targetId) ? null : String(targetId),
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
