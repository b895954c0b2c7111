import { Injectable, Logger } from '@nestjs/common';
import { EventNotFoundError, InvalidInputError } from '../../shared/errors/domain-errors';
import { SeatInventory } from '../inventory/seat-inventory';
import { DEFAULT_STRATEGY } from '../inventory/strategies/strategy-name';
import { CreateEventDto } from './dto/create-event.dto';
import { EventCache } from './event-cache';
import type { Deadline } from '../../platform/concurrency/deadline';
import type { CountedEvent, Event, EventChanges } from './event.model';
import { UpdateEventDto } from './dto/update-event.dto';
import { ChangeHook, EventsRepository } from './persistence/events.repository';

@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    private readonly repository: EventsRepository,
    private readonly cache: EventCache,
    private readonly inventory: SeatInventory,
  ) {}

  async create(input: CreateEventDto): Promise<CountedEvent> {
    const strategy = input.strategy ?? DEFAULT_STRATEGY;
    this.inventory.assertKnownStrategy(strategy);
    const salesStartAt = input.salesStartAt ? new Date(input.salesStartAt) : null;
    const salesEndAt = input.salesEndAt ? new Date(input.salesEndAt) : null;
    assertWindow(salesStartAt, salesEndAt);
    const event = await this.repository.create({
      name: input.name,
      startsAt: new Date(input.startsAt),
      salesStartAt,
      salesEndAt,
      capacity: input.capacity,
      priceCents: input.priceCents ?? 0,
      strategy,
      maxPerCustomer: input.maxPerCustomer ?? null,
      checkoutHoldTtlMs: input.checkoutHoldTtlMs ?? null,
      queueMode: input.queue?.mode ?? 'off',
    });
    // Best effort: if Redis is away now, the first booking builds the pool.
    await this.inventory
      .rebuild(event.id, 'created')
      .catch((error: unknown) => this.logger.warn({ err: error, eventId: event.id }, 'inventory not built at creation'));
    return { event, counts: { sold: 0, held: 0 } };
  }

  /** The booking path's view: cached, no counts. */
  async findForBooking(id: number, deadline?: Deadline): Promise<Event> {
    const event = await this.cache.get(id, deadline);
    if (!event) throw new EventNotFoundError(id);
    return event;
  }

  /** Fresh from MySQL (admin answers; buyers read through EventReads). */
  async get(id: number): Promise<CountedEvent> {
    const event = await this.repository.findById(id);
    if (!event) throw new EventNotFoundError(id);
    return this.withCounts(event);
  }

  async changeStrategy(id: number, strategy: string): Promise<CountedEvent> {
    this.inventory.assertKnownStrategy(strategy);
    const event = await this.repository.updateStrategy(id, strategy);
    if (!event) throw new EventNotFoundError(id);
    await this.cache.changed(event);
    this.logger.log({ eventId: id, strategy }, 'strategy changed');
    return this.get(id);
  }

  /**
   * Applies an admin's changes (PATCH). The sale window is checked against the
   * values it will have; a capacity change is checked by the repository under
   * the event's row lock. Every instance drops its cached copy. `alsoInTransaction`
   * commits with the change (see EventsRepository.update).
   */
  async update(id: number, input: UpdateEventDto, alsoInTransaction?: ChangeHook): Promise<{ before: Event; after: Event }> {
    const current = await this.repository.findById(id);
    if (!current) throw new EventNotFoundError(id);
    const changes: EventChanges = {
      name: input.name,
      startsAt: input.startsAt === undefined ? undefined : new Date(input.startsAt),
      salesStartAt: dateOrNull(input.salesStartAt),
      salesEndAt: dateOrNull(input.salesEndAt),
      maxPerCustomer: input.maxPerCustomer,
      checkoutHoldTtlMs: input.checkoutHoldTtlMs,
      capacity: input.capacity,
      queueMode: input.queue?.mode,
    };
    assertWindow(
      changes.salesStartAt === undefined ? current.salesStartAt : changes.salesStartAt,
      changes.salesEndAt === undefined ? current.salesEndAt : changes.salesEndAt,
    );
    // A capacity below a held or sold seat: the repository throws CapacityBelowSoldError (409).
    const result = await this.repository.update(id, changes, alsoInTransaction);
    if (!result) throw new EventNotFoundError(id);
    await this.cache.changed(result.after);
    this.logger.log({ eventId: id, changes }, 'event changed');
    return result;
  }

  /**
   * Stops the sale and cancels every booking and hold; harmless twice. MySQL
   * refuses anything live for the event from its commit on (migration
   * CancelIsFinal); the Redis pool is closed right after, so every instance's
   * next reservation is EVENT_CANCELLED whatever its cached copy says. If
   * Redis is away now, MySQL still refuses, and the pool's next rebuild
   * closes it.
   */
  async cancel(id: number): Promise<CountedEvent> {
    const event = await this.repository.cancel(id);
    if (!event) throw new EventNotFoundError(id);
    await this.inventory
      .close(id)
      .catch((error: unknown) => this.logger.warn({ err: error, eventId: id }, 'pool of a cancelled event not closed yet'));
    await this.cache.changed(event);
    this.logger.log({ eventId: id }, 'event cancelled');
    return this.get(id);
  }

  async withCounts(event: Event): Promise<CountedEvent> {
    const counts = await this.repository.seatCounts([event.id]);
    return { event, counts: counts.get(event.id)! };
  }

  async reconcile(id: number): Promise<InventoryRebuilt> {
    const free = await this.inventory.rebuild(id, 'admin');
    return { eventId: id, free };
  }
}

/** What an admin's reconcile did: the event's free pool, rebuilt from MySQL. */
export interface InventoryRebuilt {
  eventId: number;
  free: number;
}

function dateOrNull(value: string | null | undefined): Date | null | undefined {
  return value === undefined ? undefined : value === null ? null : new Date(value);
}

function assertWindow(start: Date | null, end: Date | null): void {
  if (start && end && end.getTime() <= start.getTime()) {
    throw new InvalidInputError('salesEndAt must be after salesStartAt');
  }
}
