import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../../admin/audit/audited.decorator';
import { AdminOnly } from '../../admin/auth/admin-only.decorator';
import { ListEventsQuery } from '../../shared/pagination/list-events.query';
import { ParseIdPipe } from '../../platform/http/parse-id.pipe';
import {
  ApiErrorResponses,
  BODY_VALIDATION_ERROR,
  DEPENDENCY_UNAVAILABLE,
  JSON_BODY_ERRORS,
} from '../../platform/openapi/api-error-responses';
import { ApiIdParam } from '../../platform/openapi/api-id-param';
import {
  CreateWebhookEndpointDto,
  ListWebhookDeliveriesQuery,
  UpdateWebhookEndpointDto,
  WebhookDeliveryPageResponse,
  WebhookDeliveryResponse,
  WebhookEndpointPageResponse,
  WebhookEndpointResponse,
  WebhookEndpointWithSecretResponse,
} from './dto/webhook-endpoint.dto';
import type { WebhookDelivery } from './persistence/webhook-deliveries.repository';
import { WebhooksService } from './webhooks.service';

const deliveryResponse = (d: WebhookDelivery): WebhookDeliveryResponse => ({
  ...d,
  nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
  occurredAt: d.occurredAt.toISOString(),
  createdAt: d.createdAt.toISOString(),
  finishedAt: d.finishedAt?.toISOString() ?? null,
});

@ApiTags('admin')
@Controller('admin/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('endpoints')
  @AdminOnly('webhooks')
  @Audited({ action: 'webhook.endpoint.create', target: 'webhook-endpoint', idFrom: 'result' })
  @ApiOperation({
    summary: 'Add a webhook endpoint; its signing secret is in this answer only',
    description: 'Changes committed from now on are delivered to it (see docs/webhooks.md for the signature and the body).',
  })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretResponse })
  @ApiErrorResponses({ 400: BODY_VALIDATION_ERROR, ...JSON_BODY_ERRORS, 503: DEPENDENCY_UNAVAILABLE })
  async create(@Body() body: CreateWebhookEndpointDto): Promise<WebhookEndpointWithSecretResponse> {
    const { endpoint, secret } = await this.webhooks.create(body);
    return { ...WebhookEndpointResponse.from(endpoint), secret };
  }

  @Get('endpoints')
  @AdminOnly('read')
  @ApiOperation({ summary: 'Webhook endpoints, oldest first (never their secrets)' })
  @ApiOkResponse({ type: WebhookEndpointPageResponse })
  @ApiErrorResponses({ 400: 'VALIDATION_FAILED (limit) or INVALID_INPUT (a cursor this API did not return)', 503: DEPENDENCY_UNAVAILABLE })
  async list(@Query() query: ListEventsQuery): Promise<WebhookEndpointPageResponse> {
    const { page, nextCursor } = await this.webhooks.list(query.limit ?? 20, query.cursor);
    return { items: page.map((e) => WebhookEndpointResponse.from(e)), nextCursor };
  }

  @Get('endpoints/:id')
  @AdminOnly('read')
  @ApiIdParam()
  @ApiOperation({ summary: 'One webhook endpoint (never its secret)' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiErrorResponses({ 400: 'INVALID_ID', 404: 'WEBHOOK_ENDPOINT_NOT_FOUND', 503: DEPENDENCY_UNAVAILABLE })
  async get(@Param('id', new ParseIdPipe()) id: number): Promise<WebhookEndpointResponse> {
    return WebhookEndpointResponse.from(await this.webhooks.get(id));
  }

  @Patch('endpoints/:id')
  @AdminOnly('webhooks')
  @Audited({ action: 'webhook.endpoint.update', target: 'webhook-endpoint', idFrom: 'param' })
  @ApiIdParam()
  @ApiOperation({ summary: 'Change an endpoint’s URL, event types, description, or pause it (enabled: false)' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiErrorResponses({
    400: `INVALID_ID or ${BODY_VALIDATION_ERROR}`,
    ...JSON_BODY_ERRORS,
    404: 'WEBHOOK_ENDPOINT_NOT_FOUND',
    503: DEPENDENCY_UNAVAILABLE,
  })
  async update(@Param('id', new ParseIdPipe()) id: number, @Body() body: UpdateWebhookEndpointDto): Promise<WebhookEndpointResponse> {
    return WebhookEndpointResponse.from(await this.webhooks.update(id, body));
  }

  @Post('endpoints/:id/rotate-secret')
  @HttpCode(200)
  @AdminOnly('webhooks')
  @Audited({ action: 'webhook.endpoint.rotate-secret', target: 'webhook-endpoint', idFrom: 'param' })
  @ApiIdParam()
  @ApiOperation({ summary: 'Replace the signing secret at once; the new one is in this answer only' })
  @ApiOkResponse({ type: WebhookEndpointWithSecretResponse })
  @ApiErrorResponses({ 400: 'INVALID_ID', 404: 'WEBHOOK_ENDPOINT_NOT_FOUND', 503: DEPENDENCY_UNAVAILABLE })
  async rotateSecret(@Param('id', new ParseIdPipe()) id: number): Promise<WebhookEndpointWithSecretResponse> {
    const { endpoint, secret } = await this.webhooks.rotateSecret(id);
    return { ...WebhookEndpointResponse.from(endpoint), secret };
  }

  @Delete('endpoints/:id')
  @AdminOnly('webhooks')
  @Audited({ action: 'webhook.endpoint.delete', target: 'webhook-endpoint', idFrom: 'param' })
  @ApiIdParam()
  @ApiOperation({ summary: 'Remove an endpoint with its deliveries (pending ones are dropped)' })
  @ApiOkResponse({ type: WebhookEndpointResponse, description: 'The endpoint as it was' })
  @ApiErrorResponses({ 400: 'INVALID_ID', 404: 'WEBHOOK_ENDPOINT_NOT_FOUND', 503: DEPENDENCY_UNAVAILABLE })
  async delete(@Param('id', new ParseIdPipe()) id: number): Promise<WebhookEndpointResponse> {
    return WebhookEndpointResponse.from(await this.webhooks.delete(id));
  }

  @Get('deliveries')
  @AdminOnly('read')
  @ApiOperation({ summary: 'Webhook deliveries, oldest first; filter by endpoint and status (dead: the dead letters)' })
  @ApiOkResponse({ type: WebhookDeliveryPageResponse })
  @ApiErrorResponses({
    400: 'VALIDATION_FAILED (limit, endpointId, status) or INVALID_INPUT (a cursor this API did not return)',
    503: DEPENDENCY_UNAVAILABLE,
  })
  async deliveries(@Query() query: ListWebhookDeliveriesQuery): Promise<WebhookDeliveryPageResponse> {
    const { page, nextCursor } = await this.webhooks.listDeliveries(
      { endpointId: query.endpointId, status: query.status },
      query.limit ?? 20,
      query.cursor,
    );
    return { items: page.map(deliveryResponse), nextCursor };
  }

  @Post('deliveries/:id/replay')
  @HttpCode(200)
  @AdminOnly('webhooks')
  @Audited({ action: 'webhook.delivery.replay', target: 'webhook-delivery', idFrom: 'param' })
  @ApiIdParam()
  @ApiOperation({
    summary: 'Send a dead letter again: pending, due now, tries counted afresh, same webhook id',
    description: 'It goes ahead of later pending deliveries of its event to that endpoint (they are delivered after it).',
  })
  @ApiOkResponse({ type: WebhookDeliveryResponse })
  @ApiErrorResponses({
    400: 'INVALID_ID',
    404: 'WEBHOOK_DELIVERY_NOT_FOUND',
    409: 'WEBHOOK_DELIVERY_NOT_REPLAYABLE: it is pending or delivered, not dead',
    503: DEPENDENCY_UNAVAILABLE,
  })
  async replay(@Param('id', new ParseIdPipe()) id: number): Promise<WebhookDeliveryResponse> {
    return deliveryResponse(await this.webhooks.replay(id));
  }
}
