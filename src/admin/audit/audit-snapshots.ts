import { Injectable } from '@nestjs/common';
import { AdminKeysRepository } from '../auth/persistence/admin-keys.repository';
import { EventsRepository } from '../../domain/events/persistence/events.repository';
import { WebhookDeliveries } from '../../domain/webhooks/persistence/webhook-deliveries.repository';
import { WebhookEndpointsRepository } from '../../domain/webhooks/persistence/webhook-endpoints.repository';
import type { AuditTargetType } from './persistence/audit-log.repository';

/** A target as the audit log records it: as stored, read fresh from MySQL (never a cached copy), no secrets. */
@Injectable()
export class AuditSnapshots {
  constructor(
    private readonly events: EventsRepository,
    private readonly keys: AdminKeysRepository,
    private readonly webhookEndpoints: WebhookEndpointsRepository,
    private readonly webhookDeliveries: WebhookDeliveries,
  ) {}

  async load(type: AuditTargetType, id: number): Promise<unknown> {
    switch (type) {
      case 'event':
        return (await this.events.findById(id)) ?? null;
      case 'admin-key':
        // The key's hash is not part of the model: nothing here could be used to sign in.
        return (await this.keys.findById(id)) ?? null;
      case 'webhook-endpoint':
        // The model has no secret: a rotation is recorded (updatedAt), the secret never.
        return (await this.webhookEndpoints.findById(id)) ?? null;
      case 'webhook-delivery':
        return (await this.webhookDeliveries.findById(id)) ?? null;
    }
  }
}
