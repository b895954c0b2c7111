import { Injectable, Logger } from '@nestjs/common';
import { EventNotFoundError, InvalidInputError } from '../errors/domain-errors';
import { SeatInventory } from '../inventory/seat-inventory';
import { DEFAULT_STRATEGY } from '../inventory/strategies/strategy-name';
import { CreateEventDto } from './dto/create-event.dto';
import { EventPageResponse, EventResponse } from './dto/event.response';
import { decodeCursor, encodeCursor } from './event-cursor';
import { EventCache } from './event-cache';
import type { Deadline } from '../concurrency/deadline';
import type { Event } from './event.model';
import { EventsRepository } from './persistence/events.repository';

@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    private readonly repository: EventsRepository,
    private readonly cache: EventCache,
    private readonly inventory: SeatInventory,
  ) {}

  async create(input: CreateEventDto): Promise<EventResponse> {
    const strategy = input.strategy ?? DEFAULT_STRATEGY;
    this.inventory.assertKnownStrategy(strategy);
    const event = await this.repository.create({
      name: input.name,
      startsAt: new Date(input.startsAt),
      capacity: input.capacity,
      priceCents: input.priceCents ?? 0,
      strategy,
      maxPerCustomer: input.maxPerCustomer ?? null,
    });
    // Best effort: if Redis is away now, the first booking builds the pool.
    await this.inventory.rebuild(event.id, 'created').catch((error: unknown) =>
      this.logger.warn({ err: error, eventId: event.id }, 'inventory not built at creation'),
    );
    return EventResponse.from(event, 0);
  }

  /** The booking path's view: cached, no counts. */
  async findForBooking(id: number, deadline?: Deadline): Promise<Event> {
    const event = await this.cache.get(id, deadline);
    if (!event) throw new EventNotFoundError(id);
    return event;
  }

  async get(id: number): Promise<EventResponse> {
    const event = await this.repository.findById(id);
    if (!event) throw new EventNotFoundError(id);
    const sold = await this.repository.soldCounts([id]);
    return EventResponse.from(event, sold.get(id) ?? 0);
  }

  async list(limit = 20, cursor?: string): Promise<EventPageResponse> {
    const afterId = cursor === undefined ? 0 : decodeCursor(cursor);
    if (afterId === null) throw new InvalidInputError('cursor is not a cursor this API returned');
    // One extra row tells whether there is a next page without a COUNT.
    const rows = await this.repository.listAfter(afterId, limit + 1);
    const page = rows.slice(0, limit);
    const sold = await this.repository.soldCounts(page.map((e) => e.id));
    return {
      items: page.map((e) => EventResponse.from(e, sold.get(e.id) ?? 0)),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  async changeStrategy(id: number, strategy: string): Promise<EventResponse> {
    this.inventory.assertKnownStrategy(strategy);
    const event = await this.repository.updateStrategy(id, strategy);
    if (!event) throw new EventNotFoundError(id);
    await this.cache.changed(event);
    this.logger.log({ eventId: id, strategy }, 'strategy changed');
    return this.get(id);
  }

  async reconcile(id: number): Promise<{ eventId: number; free: number }> {
    const free = await this.inventory.rebuild(id, 'admin');
    return { eventId: id, free };
  }
}
