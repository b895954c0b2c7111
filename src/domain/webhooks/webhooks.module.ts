import { Module } from '@nestjs/common';
import { WebhookDeliveries } from './persistence/webhook-deliveries.repository';
import { WebhookEndpointsRepository } from './persistence/webhook-endpoints.repository';
import { WebhookAuditSnapshots } from './webhook-audit-snapshots';
import { WebhookSender } from './webhook-sender';
import { WebhookWorker } from './webhook-worker';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks from the transactional outbox (issue 24, docs/webhooks.md): the
 * outbox rows are written by MySQL triggers with each change; this module
 * delivers them (WebhookWorker), serves the admin routes and tells the audit
 * log how to record endpoints and deliveries (WebhookAuditSnapshots).
 */
@Module({
  controllers: [WebhooksController],
  providers: [WebhookEndpointsRepository, WebhookDeliveries, WebhookSender, WebhookWorker, WebhooksService, WebhookAuditSnapshots],
})
export class WebhooksModule {}
