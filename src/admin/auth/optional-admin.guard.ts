import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import { AdminKeys } from './admin-keys.service';
import { ADMIN_PRINCIPAL, AdminScope, allows, WithAdminPrincipal } from './admin-scopes';
import { bearerToken } from './admin-token';
import { REQUIRED_SCOPE } from './admin-token.guard';

/**
 * For routes open to an owner or an admin: names an admin caller (ADMIN_TOKEN,
 * or a live admin key with the route's scope) by leaving the principal on the
 * request, as AdminTokenGuard does, and lets everyone through. It refuses
 * nobody: the route judges the rest (the owner's secret, else the same 404 as
 * for a reference that does not exist, never 401 or 403, which would confirm
 * the reference). A revoked key, or one without the scope, is then no admin
 * here, only a secret that opens nothing. Keys are looked up in MySQL on each
 * request (AdminKeys), so a revocation counts at once on every instance.
 */
@Injectable()
export class OptionalAdminGuard implements CanActivate {
  constructor(
    private readonly keys: AdminKeys,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders } & WithAdminPrincipal>();
    const principal = await this.keys.authenticate(bearerToken(request.headers.authorization));
    const scope = this.reflector.get<AdminScope | undefined>(REQUIRED_SCOPE, context.getHandler()) ?? 'read';
    if (principal && allows(principal, scope)) request[ADMIN_PRINCIPAL] = principal;
    return true;
  }
}
