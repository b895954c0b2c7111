import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { AuditInterceptor } from './audit.interceptor';
import { AUDIT_SPEC, AuditSpec } from './audit-spec';

/** Records the change this admin route makes in the audit log: who, when, the request id, before and after. */
export const Audited = (spec: AuditSpec) => applyDecorators(SetMetadata(AUDIT_SPEC, spec), UseInterceptors(AuditInterceptor));
