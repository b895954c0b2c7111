import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/admin-only.decorator';
import { afterIdOf, encodeCursor } from '../../shared/pagination/event-cursor';
import { ListEventsQuery } from '../../shared/pagination/list-events.query';
import { ApiErrorResponses, DEPENDENCY_UNAVAILABLE } from '../../platform/openapi/api-error-responses';
import { AuditEntryResponse, AuditPageResponse } from './dto/audit-entry.response';
import { AuditLogRepository } from './persistence/audit-log.repository';

@ApiTags('admin')
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly log: AuditLogRepository) {}

  @Get()
  @AdminOnly('read')
  @ApiOperation({ summary: 'The audit log of admin changes, newest first, a page at a time' })
  @ApiOkResponse({ type: AuditPageResponse })
  @ApiErrorResponses({ 400: 'VALIDATION_FAILED (limit) or INVALID_INPUT (a cursor this API did not return)', 503: DEPENDENCY_UNAVAILABLE })
  async list(@Query() query: ListEventsQuery): Promise<AuditPageResponse> {
    const limit = query.limit ?? 20;
    const beforeId = query.cursor === undefined ? null : afterIdOf(query.cursor);
    const rows = await this.log.page(beforeId, limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map((e) => AuditEntryResponse.from(e)),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }
}
