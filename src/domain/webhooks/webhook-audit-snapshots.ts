import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditSnapshots } from '../../admin/audit/audit-snapshots';
import { WebhookDeliveries } from './persistence/webhook-deliveries.repository';
import { WebhookEndpointsRepository } from './persistence/webhook-endpoints.repository';

/**
 * How the audit log records a webhook endpoint or delivery an admin changed:
 * read fresh from MySQL. The endpoint's model has no secret: a rotation shows
 * as a new updatedAt, the secret never reaches the log.
 */
@Injectable()
export class WebhookAuditSnapshots implements OnModuleInit {
  constructor(
    private readonly snapshots: AuditSnapshots,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  onModuleInit(): void {
    this.snapshots.register('webhook-endpoint', async (id) => (await this.endpoints.findById(Number(id))) ?? null);
    this.snapshots.register('webhook-delivery', async (id) => (await this.deliveries.findById(Number(id))) ?? null);
  }
}
