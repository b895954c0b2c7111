import { ListEventsQuery } from '../../../shared/pagination/list-events.query';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { WebhookEndpoint } from '../persistence/webhook-endpoints.repository';
import { ALL_EVENT_TYPES, WEBHOOK_EVENT_TYPES } from '../webhook-event-types';

const SUBSCRIBABLE = [ALL_EVENT_TYPES, ...WEBHOOK_EVENT_TYPES];
const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, require_valid_protocol: true };

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://shop.example/hooks/seatguard', maxLength: 2048, description: 'http(s) URL the webhooks are POSTed to' })
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http or https URL' })
  url: string;

  @ApiProperty({ enum: SUBSCRIBABLE, isArray: true, example: ['booking.confirmed', 'event.sold_out'], description: '`*`: every type' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE, { each: true, message: `each of eventTypes must be one of ${SUBSCRIBABLE.join(', ')}` })
  eventTypes: string[];

  @ApiPropertyOptional({ type: String, maxLength: 200, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string | null;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http or https URL' })
  url?: string;

  @ApiPropertyOptional({ enum: SUBSCRIBABLE, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE, { each: true, message: `each of eventTypes must be one of ${SUBSCRIBABLE.join(', ')}` })
  eventTypes?: string[];

  @ApiPropertyOptional({ type: String, maxLength: 200, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string | null;

  @ApiPropertyOptional({ description: 'false: deliveries wait (in order) until it is enabled again; new changes are still recorded' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookEndpointResponse {
  @ApiProperty({ type: 'integer' }) id: number;
  @ApiProperty() url: string;
  @ApiProperty({ enum: SUBSCRIBABLE, isArray: true }) eventTypes: string[];
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static from(e: WebhookEndpoint): WebhookEndpointResponse {
    return { ...e, createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString() };
  }
}

export class WebhookEndpointWithSecretResponse extends WebhookEndpointResponse {
  @ApiProperty({
    example: 'whsec_3q…',
    description: 'The signing secret, shown in this answer only (create and rotate); verify Seatguard-Signature with it',
  })
  secret: string;
}

export class WebhookEndpointPageResponse {
  @ApiProperty({ type: [WebhookEndpointResponse] }) items: WebhookEndpointResponse[];
  @ApiProperty({ nullable: true, type: String, example: 'MjA', description: 'Pass as ?cursor= for the next page; null on the last page' })
  nextCursor: string | null;
}

const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;

/** The shared page parameters (limit, cursor), plus the delivery filters. */
export class ListWebhookDeliveriesQuery extends ListEventsQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'Only this endpoint’s deliveries' })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(4294967295)
  @IsInt()
  endpointId?: number;

  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: (typeof DELIVERY_STATUSES)[number];
}

export class WebhookDeliveryResponse {
  @ApiProperty({ type: 'integer' }) id: number;
  @ApiProperty({ type: 'integer' }) endpointId: number;
  @ApiProperty({ type: 'integer' }) eventId: number;
  @ApiProperty({ description: 'The webhook id receivers deduplicate on (Seatguard-Webhook-Id)', example: 'wh_Q2x…' }) webhookId: string;
  @ApiProperty() type: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty({ type: 'integer', description: 'Tries so far (a replay starts again at 0)' }) attempts: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) lastStatusCode: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
}

export class WebhookDeliveryPageResponse {
  @ApiProperty({ type: [WebhookDeliveryResponse] }) items: WebhookDeliveryResponse[];
  @ApiProperty({ nullable: true, type: String, example: 'MjA', description: 'Pass as ?cursor= for the next page; null on the last page' })
  nextCursor: string | null;
}
