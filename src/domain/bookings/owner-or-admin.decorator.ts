import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiParam } from '@nestjs/swagger';
import { Audited } from '../../admin/audit/audited.decorator';
import { ApiAdminAuth } from '../../admin/auth/admin-only.decorator';
import type { AdminScope } from '../../admin/auth/admin-scopes';
import { REQUIRED_SCOPE } from '../../admin/auth/admin-token.guard';
import { OptionalAdminGuard } from '../../admin/auth/optional-admin.guard';
import { ApiErrorResponses, DEPENDENCY_UNAVAILABLE, ErrorStatus } from '../../platform/openapi/api-error-responses';
import { BOOKING_SECRET_SCHEME } from './booking-access';

const RECORDS = {
  booking: { notFound: 'BOOKING_NOT_FOUND', example: 'bk_3q2x9Yw1RkqO4m0bVd7c1A' },
  'waitlist-entry': { notFound: 'WAITLIST_ENTRY_NOT_FOUND', example: 'wl_3q2x9Yw1RkqO4m0bVd7c1A' },
} as const;

export interface OwnerOrAdminRoute {
  /** What `:reference` names: a booking (or hold), or a waiting-list entry. */
  record: keyof typeof RECORDS;
  /** What an admin key needs here: `read` to look, `events` to change (ADMIN_TOKEN has both). */
  scope: Extract<AdminScope, 'read' | 'events'>;
  /** The audit log's action for a change; an admin's change is recorded, an owner's is not. */
  audit?: string;
  /** The route's own error answers besides the 404 and the 503 every such route has. */
  errors?: Partial<Record<ErrorStatus, string>>;
}

/**
 * A route read or changed by the record's owner (its secret as the Bearer
 * token) or an admin (ADMIN_TOKEN, or an admin key with `scope`): the guard
 * that tells them apart (use @CallerAccess() for the answer), the audit of an
 * admin's change, and its OpenAPI description. Anyone else, a revoked key or
 * a key without the scope included, gets the same 404 as for a reference
 * that does not exist: these routes never answer 401 or 403, which would
 * tell a guesser the reference exists.
 */
export const OwnerOrAdmin = ({ record, scope, audit, errors = {} }: OwnerOrAdminRoute) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    UseGuards(OptionalAdminGuard),
    ...(audit ? [Audited({ action: audit, target: record, idFrom: 'reference' })] : []),
    // Listed in this order: the owner's secret first, then the admin's credentials.
    ApiBearerAuth(BOOKING_SECRET_SCHEME),
    ApiAdminAuth(),
    ApiParam({ name: 'reference', type: String, example: RECORDS[record].example }),
    ApiErrorResponses({
      404:
        `${RECORDS[record].notFound}: no such ${record === 'booking' ? 'booking' : 'entry'}, or the Authorization header holds ` +
        `neither its secret nor ADMIN_TOKEN nor a live admin key with the \`${scope}\` scope`,
      ...errors,
      503: DEPENDENCY_UNAVAILABLE,
    }),
  );
