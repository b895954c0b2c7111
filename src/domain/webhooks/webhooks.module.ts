import { Global, Module } from '@nestjs/common';
import { WebhookDeliveries } from './persistence/webhook-deliveries.repository';
import { WebhookEndpointsRepository } from './persistence/webhook-endpoints.repository';
import { WebhookSender } from './webhook-sender';
import { WebhookWorker } from './webhook-worker';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks from the transactional outbox (issue 24, docs/webhooks.md): the
 * outbox rows are written by MySQL triggers with each change; this module
 * delivers them (WebhookWorker) and serves the admin routes. Global: the
 * audit log's snapshots read endpoints and deliveries.
 */
@Global()
@Module({
  controllers: [WebhooksController],
  providers: [WebhookEndpointsRepository, WebhookDeliveries, WebhookSender, WebhookWorker, WebhooksService],
  exports: [WebhookEndpointsRepository, WebhookDeliveries, WebhookWorker],
})
export class WebhooksModule {}
