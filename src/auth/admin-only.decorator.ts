import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ADMIN_TOKEN_MISSING, ApiErrorResponses } from '../openapi/api-error-responses';
import { AdminTokenGuard } from './admin-token.guard';

export const ADMIN_SECURITY_SCHEME = 'admin-token';

/** Guard plus its OpenAPI description, so the two never drift apart. */
export const AdminOnly = () =>
  applyDecorators(UseGuards(AdminTokenGuard), ApiBearerAuth(ADMIN_SECURITY_SCHEME), ApiErrorResponses({ 401: ADMIN_TOKEN_MISSING }));
