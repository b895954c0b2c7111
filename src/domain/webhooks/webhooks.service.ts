import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { afterIdOf, pageOf } from '../../shared/pagination/event-cursor';
import {
  WebhookDeliveryNotFoundError,
  WebhookDeliveryNotReplayableError,
  WebhookEndpointNotFoundError,
} from '../../shared/errors/domain-errors';
import { DeliveryStatus, WebhookDeliveries, WebhookDelivery } from './persistence/webhook-deliveries.repository';
import { EndpointChange, WebhookEndpoint, WebhookEndpointsRepository } from './persistence/webhook-endpoints.repository';

/** A signing secret: 32 random bytes, prefixed so it is recognisable in a secret store. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/** What the admin routes do with endpoints and deliveries. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  async create(e: {
    url: string;
    eventTypes: string[];
    description?: string | null;
  }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const secret = newSecret();
    const endpoint = await this.endpoints.create({ url: e.url, eventTypes: e.eventTypes, description: e.description ?? null, secret });
    return { endpoint, secret };
  }

  async get(id: number): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.findById(id);
    if (!endpoint) throw new WebhookEndpointNotFoundError(id);
    return endpoint;
  }

  async list(limit: number, cursor: string | undefined): Promise<{ page: WebhookEndpoint[]; nextCursor: string | null }> {
    return pageOf(await this.endpoints.list(afterIdOf(cursor), limit + 1), limit);
  }

  async update(id: number, change: EndpointChange): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.update(id, change);
    if (!endpoint) throw new WebhookEndpointNotFoundError(id);
    return endpoint;
  }

  /** A new secret at once: deliveries from now on are signed with it only. */
  async rotateSecret(id: number): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const secret = newSecret();
    const endpoint = await this.endpoints.rotateSecret(id, secret);
    if (!endpoint) throw new WebhookEndpointNotFoundError(id);
    return { endpoint, secret };
  }

  async delete(id: number): Promise<WebhookEndpoint> {
    const endpoint = await this.get(id);
    if (!(await this.endpoints.delete(id))) throw new WebhookEndpointNotFoundError(id);
    return endpoint;
  }

  async listDeliveries(
    filter: { endpointId?: number; status?: DeliveryStatus },
    limit: number,
    cursor: string | undefined,
  ): Promise<{ page: WebhookDelivery[]; nextCursor: string | null }> {
    return pageOf(await this.deliveries.list(filter, afterIdOf(cursor), limit + 1), limit);
  }

  /** A dead letter back in its stream, due now; 404 for no such delivery, 409 for one that is not dead. */
  async replay(id: number): Promise<WebhookDelivery> {
    const outcome = await this.deliveries.replay(id);
    if (!outcome) throw new WebhookDeliveryNotFoundError(id);
    if (!outcome.replayed) throw new WebhookDeliveryNotReplayableError(id, outcome.status);
    const delivery = await this.deliveries.findById(id);
    if (!delivery) throw new WebhookDeliveryNotFoundError(id);
    return delivery;
  }
}
