import { Body, Controller, Delete, Get, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../audit/audited.decorator';
import { AdminKeyNotFoundError } from '../../shared/errors/domain-errors';
import { ListEventsQuery } from '../../shared/pagination/list-events.query';
import { ParseIdPipe } from '../../platform/http/parse-id.pipe';
import {
  ApiErrorResponses,
  BODY_VALIDATION_ERROR,
  DEPENDENCY_UNAVAILABLE,
  JSON_BODY_ERRORS,
} from '../../platform/openapi/api-error-responses';
import { ApiIdParam } from '../../platform/openapi/api-id-param';
import { AdminOnly } from './admin-only.decorator';
import { AdminKeys } from './admin-keys.service';
import { ADMIN_PRINCIPAL, BOOTSTRAP_PRINCIPAL, WithAdminPrincipal } from './admin-scopes';
import { AdminKeyPageResponse, AdminKeyResponse, CreateAdminKeyDto, CreatedAdminKeyResponse } from './dto/admin-key.dto';

@ApiTags('admin')
@Controller('admin/keys')
export class AdminKeysController {
  constructor(private readonly keys: AdminKeys) {}

  @Post()
  @AdminOnly('keys')
  @Audited({ action: 'key.create', target: 'admin-key', idFrom: 'result' })
  @ApiOperation({
    summary: 'Create a named admin key with scopes; the key is in this answer only',
    description: 'Usable at once on every instance.',
  })
  @ApiCreatedResponse({ type: CreatedAdminKeyResponse })
  @ApiErrorResponses({ 400: BODY_VALIDATION_ERROR, ...JSON_BODY_ERRORS, 503: DEPENDENCY_UNAVAILABLE })
  async create(@Body() body: CreateAdminKeyDto, @Req() request: WithAdminPrincipal): Promise<CreatedAdminKeyResponse> {
    const { key, secret } = await this.keys.create(body.name, body.scopes, request[ADMIN_PRINCIPAL] ?? BOOTSTRAP_PRINCIPAL);
    return { ...AdminKeyResponse.from(key), key: secret };
  }

  @Get()
  @AdminOnly('keys')
  @ApiOperation({ summary: 'Admin keys, oldest first, revoked ones included (never the keys themselves)' })
  @ApiOkResponse({ type: AdminKeyPageResponse })
  @ApiErrorResponses({ 400: 'VALIDATION_FAILED (limit) or INVALID_INPUT (a cursor this API did not return)', 503: DEPENDENCY_UNAVAILABLE })
  async list(@Query() query: ListEventsQuery): Promise<AdminKeyPageResponse> {
    const { page, nextCursor } = await this.keys.list(query.limit ?? 20, query.cursor);
    return { items: page.map((k) => AdminKeyResponse.from(k)), nextCursor };
  }

  @Delete(':id')
  @AdminOnly('keys')
  @Audited({ action: 'key.revoke', target: 'admin-key', idFrom: 'param' })
  @ApiIdParam()
  @ApiOperation({ summary: 'Revoke an admin key: refused at once by every instance (again: 200, unchanged)' })
  @ApiOkResponse({ type: AdminKeyResponse })
  @ApiErrorResponses({ 400: 'INVALID_ID', 404: 'ADMIN_KEY_NOT_FOUND', 503: DEPENDENCY_UNAVAILABLE })
  async revoke(@Param('id', new ParseIdPipe()) id: number): Promise<AdminKeyResponse> {
    const key = await this.keys.revoke(id);
    if (!key) throw new AdminKeyNotFoundError(id);
    return AdminKeyResponse.from(key);
  }
}
