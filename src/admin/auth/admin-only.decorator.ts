import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ADMIN_TOKEN_MISSING, ApiErrorResponses } from '../../platform/openapi/api-error-responses';
import type { AdminScope } from './admin-scopes';
import { AdminTokenGuard, REQUIRED_SCOPE } from './admin-token.guard';

/** The bootstrap ADMIN_TOKEN (every scope). */
export const ADMIN_TOKEN_SCHEME = 'admin-token';
/** A named admin key (`sgk_…`), good for the scopes it was created with. */
export const ADMIN_KEY_SCHEME = 'admin-key';

/**
 * Either admin credential, as OpenAPI alternatives: both are a Bearer token in
 * the same header, told apart by their form (an admin key starts with `sgk_`).
 */
export const ApiAdminAuth = () => applyDecorators(ApiBearerAuth(ADMIN_TOKEN_SCHEME), ApiBearerAuth(ADMIN_KEY_SCHEME));

/**
 * Guard plus its OpenAPI description, so the two never drift apart. `scope`:
 * what an admin key needs for this route (ADMIN_TOKEN has every scope).
 */
export const AdminOnly = (scope: AdminScope = 'read') =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    UseGuards(AdminTokenGuard),
    ApiAdminAuth(),
    ApiErrorResponses({ 401: ADMIN_TOKEN_MISSING, 403: `ADMIN_SCOPE_MISSING: an admin key without the \`${scope}\` scope` }),
  );
