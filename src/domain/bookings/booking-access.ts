import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { ADMIN_PRINCIPAL, WithAdminPrincipal } from '../../admin/auth/admin-scopes';
import { bearerToken } from '../../admin/auth/admin-token';
import { secretMatches } from '../../shared/credentials';

export const BOOKING_SECRET_SCHEME = 'booking-secret';

/**
 * The raw `Authorization` header of an owner-or-admin route. A parameter
 * decorator of its own rather than @Headers(): the OpenAPI scanner would list
 * that as a required header parameter, which generated clients then demand,
 * while the security schemes already describe the header.
 */
export const AuthorizationHeader = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | undefined =>
    ctx.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>().headers.authorization,
);

/** Who is asking: the admin, or whoever presents a secret. */
export type BookingAccess = { admin: true } | { admin: false; secret: string | undefined };

/**
 * The record behind `reference` if `access` may see it (the admin, or whoever
 * holds its secret), else null: the caller answers the same 404 as for a
 * reference that does not exist, so references cannot be probed. The hash
 * comparison runs whether or not the record exists, so timing tells nothing
 * either.
 */
export async function findVisible<T extends { secretHash: string | null }>(
  reference: string,
  format: RegExp,
  access: BookingAccess,
  find: (reference: string) => Promise<T | null>,
): Promise<T | null> {
  const found = format.test(reference) ? await find(reference) : null;
  const ownerMatches = !access.admin && access.secret !== undefined && secretMatches(access.secret, found?.secretHash ?? null);
  return found && (access.admin || ownerMatches) ? found : null;
}

/**
 * Who is asking, on a route behind OwnerOrAdmin: the admin if OptionalAdminGuard
 * named one (ADMIN_TOKEN, or a live admin key with the route's scope), else a
 * claim to own the record whose secret the Bearer token is. A parameter
 * decorator, so the OpenAPI scanner lists no header parameter (the security
 * schemes describe it).
 */
export const CallerAccess = createParamDecorator((_: unknown, ctx: ExecutionContext): BookingAccess => {
  const request = ctx.switchToHttp().getRequest<{ headers: IncomingHttpHeaders } & WithAdminPrincipal>();
  return request[ADMIN_PRINCIPAL] ? { admin: true } : { admin: false, secret: bearerToken(request.headers.authorization) };
});
