import { ApiProperty } from '@nestjs/swagger';
import { STRATEGY_NAMES } from '../../inventory/strategies/strategy-name';
import type { Event } from '../event.model';

export class EventResponse {
  @ApiProperty({ example: 42 }) id: number;
  @ApiProperty({ example: 'Stadium tour — night 1' }) name: string;
  @ApiProperty({ example: '2027-06-01T19:30:00.000Z' }) startsAt: string;
  @ApiProperty({ example: 5000 }) capacity: number;
  @ApiProperty({ example: 1200, description: 'Tickets held (MySQL)' }) sold: number;
  @ApiProperty({ example: 3800 }) available: number;
  @ApiProperty({ example: 4900 }) priceCents: number;
  @ApiProperty({ enum: STRATEGY_NAMES, example: 'atomic' }) strategy: string;
  @ApiProperty({ example: 4, nullable: true, type: Number }) maxPerCustomer: number | null;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) updatedAt: string;

  static from(event: Event, sold: number): EventResponse {
    return {
      id: event.id,
      name: event.name,
      startsAt: event.startsAt.toISOString(),
      capacity: event.capacity,
      sold,
      available: Math.max(0, event.capacity - sold),
      priceCents: event.priceCents,
      strategy: event.strategy,
      maxPerCustomer: event.maxPerCustomer,
      createdAt: event.createdAt.toISOString(),
      updatedAt: event.updatedAt.toISOString(),
    };
  }
}

export class EventPageResponse {
  @ApiProperty({ type: [EventResponse] }) items: EventResponse[];
  @ApiProperty({ nullable: true, type: String, example: 'MjA', description: 'Pass as ?cursor= for the next page; null on the last page' })
  nextCursor: string | null;
}
