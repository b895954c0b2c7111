import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode } from '../../shared/errors/error-codes';
import { AdminKeys } from './admin-keys.service';
import { ADMIN_PRINCIPAL, AdminScope, allows, WithAdminPrincipal } from './admin-scopes';
import { bearerToken } from './admin-token';

/** The scope a route needs (AdminOnly sets it); a route guarded without one needs `read`. */
export const REQUIRED_SCOPE = 'seatguard:requiredAdminScope';

/**
 * `Authorization: Bearer <ADMIN_TOKEN or an admin key>`, else 401; a key
 * without the route's scope, 403. The principal is left on the request for
 * the audit log.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(
    private readonly keys: AdminKeys,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders } & WithAdminPrincipal>();
    const principal = await this.keys.authenticate(bearerToken(request.headers.authorization));
    if (!principal) {
      throw new UnauthorizedException('a valid admin token is required: Authorization: Bearer <ADMIN_TOKEN or an admin key>');
    }
    const scope = this.reflector.get<AdminScope | undefined>(REQUIRED_SCOPE, context.getHandler()) ?? 'read';
    if (!allows(principal, scope)) {
      throw new ForbiddenException({
        message: `this admin key lacks the "${scope}" scope`,
        code: 'ADMIN_SCOPE_MISSING' satisfies ErrorCode,
      });
    }
    request[ADMIN_PRINCIPAL] = principal;
    return true;
  }
}
