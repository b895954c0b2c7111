import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ADMIN_TOKEN_MISSING, ApiErrorResponses } from '../../platform/openapi/api-error-responses';
import type { AdminScope } from './admin-scopes';
import { AdminTokenGuard, REQUIRED_SCOPE } from './admin-token.guard';

export const ADMIN_SECURITY_SCHEME = 'admin-token';

/**
 * Guard plus its OpenAPI description, so the two never drift apart. `scope`:
 * what an admin key needs for this route (ADMIN_TOKEN has every scope).
 */
export const AdminOnly = (scope: AdminScope = 'read') =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    UseGuards(AdminTokenGuard),
    ApiBearerAuth(ADMIN_SECURITY_SCHEME),
    ApiErrorResponses({ 401: ADMIN_TOKEN_MISSING, 403: `ADMIN_SCOPE_MISSING: an admin key without the \`${scope}\` scope` }),
  );
