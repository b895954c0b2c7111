import { ApiProperty } from '@nestjs/swagger';
import { STRATEGY_NAMES } from '../../inventory/strategies/strategy-name';
import type { CountedEvent, Event, SeatCounts } from '../event.model';
import { QueueSettingsDto } from './queue-settings.dto';

function saleStatusOf(event: Event, now: number): EventResponse['saleStatus'] {
  if (event.cancelledAt) return 'cancelled';
  if (event.salesStartAt && now < event.salesStartAt.getTime()) return 'not-open';
  if (event.salesEndAt && now >= event.salesEndAt.getTime()) return 'closed';
  return 'on-sale';
}

export class EventResponse {
  @ApiProperty({ type: 'integer', example: 42 }) id: number;
  @ApiProperty({ example: 'Stadium tour — night 1' }) name: string;
  @ApiProperty({ format: 'date-time', example: '2027-06-01T19:30:00.000Z' }) startsAt: string;
  @ApiProperty({ type: 'integer', example: 5000 }) capacity: number;
  @ApiProperty({ format: 'date-time', example: '2027-03-01T10:00:00.000Z', nullable: true, type: String }) salesStartAt: string | null;
  @ApiProperty({ format: 'date-time', example: null, nullable: true, type: String }) salesEndAt: string | null;
  @ApiProperty({
    enum: ['on-sale', 'not-open', 'closed', 'cancelled'],
    enumName: 'SaleStatus',
    example: 'on-sale',
    description: 'The sale window as of this answer',
  })
  saleStatus: 'on-sale' | 'not-open' | 'closed' | 'cancelled';
  @ApiProperty({ type: 'integer', example: 1200, description: 'Seats of confirmed bookings (MySQL)' }) sold: number;
  @ApiProperty({ type: 'integer', example: 40, description: 'Seats in live checkout holds: not on sale, not sold yet' }) held: number;
  @ApiProperty({ type: 'integer', example: 3760, description: 'capacity − sold − held (0 once cancelled)' }) available: number;
  @ApiProperty({ type: 'integer', example: 4900 }) priceCents: number;
  @ApiProperty({ enum: STRATEGY_NAMES, enumName: 'StrategyName', example: 'atomic' }) strategy: string;
  @ApiProperty({ type: 'integer', example: 4, nullable: true }) maxPerCustomer: number | null;
  @ApiProperty({ type: 'integer', example: 600000, nullable: true, description: 'null: CHECKOUT_HOLD_TTL_MS' }) checkoutHoldTtlMs:
    number | null;
  @ApiProperty({ format: 'date-time', example: null, nullable: true, type: String }) cancelledAt: string | null;
  @ApiProperty({ type: QueueSettingsDto }) queue: QueueSettingsDto;
  @ApiProperty({ format: 'date-time', example: '2026-11-22T10:00:00.000Z' }) createdAt: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-22T10:00:00.000Z' }) updatedAt: string;

  /** An admin's answer: fresh from MySQL, `available` from its counts. */
  static counted({ event, counts }: CountedEvent): EventResponse {
    return EventResponse.from(event, counts);
  }

  /** `available`, when given, is the pool's free count (what can be bought now); else capacity − sold − held. */
  static from(event: Event, counts: SeatCounts & { available?: number }, now = Date.now()): EventResponse {
    return {
      id: event.id,
      name: event.name,
      startsAt: event.startsAt.toISOString(),
      salesStartAt: event.salesStartAt?.toISOString() ?? null,
      salesEndAt: event.salesEndAt?.toISOString() ?? null,
      saleStatus: saleStatusOf(event, now),
      capacity: event.capacity,
      sold: counts.sold,
      held: counts.held,
      // Nothing can be bought from a cancelled event.
      available: event.cancelledAt ? 0 : (counts.available ?? Math.max(0, event.capacity - counts.sold - counts.held)),
      priceCents: event.priceCents,
      strategy: event.strategy,
      maxPerCustomer: event.maxPerCustomer,
      checkoutHoldTtlMs: event.checkoutHoldTtlMs,
      cancelledAt: event.cancelledAt?.toISOString() ?? null,
      queue: { mode: event.queueMode },
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
