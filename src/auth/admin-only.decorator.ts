import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponse } from '../http/error.response';
import { AdminTokenGuard } from './admin-token.guard';

export const ADMIN_SECURITY_SCHEME = 'admin-token';

/** Guard plus its OpenAPI description, so the two never drift apart. */
export const AdminOnly = () =>
  applyDecorators(
    UseGuards(AdminTokenGuard),
    ApiBearerAuth(ADMIN_SECURITY_SCHEME),
    ApiUnauthorizedResponse({ description: 'Missing or wrong admin token', type: ErrorResponse }),
  );
