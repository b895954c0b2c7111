import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { EventNotFoundError, InvalidInputError } from '../errors/domain-errors';
import { withEtag } from '../http/etag';
import { SeatInventory } from '../inventory/seat-inventory';
import { EventPageResponse, EventResponse } from './dto/event.response';
import { decodeCursor, encodeCursor } from './event-cursor';
import { EventCache } from './event-cache';
import type { Event, SeatCounts } from './event.model';
import { EventsRepository } from './persistence/events.repository';

interface Copy<T> {
  value: T;
  expiresAt: number;
}

/**
 * The pages every buyer refreshes during a sale, from memory. Each answer is
 * a per-instance copy at most EVENT_READ_CACHE_MS old, built from the cached
 * event, the Redis pool's free count (`available`, what can be bought now) and
 * MySQL's sold/held counts, read once per copy rather than once per request.
 * An admin change drops the copies on every instance (EventCache's broadcast);
 * bookings do not (the copy is short-lived). Each copy carries its ETag.
 */
@Injectable()
export class EventReads {
  private readonly events = new Map<number, Copy<EventResponse>>();
  private readonly pages = new Map<string, Copy<EventPageResponse>>();
  private readonly loading = new Map<number, Promise<EventResponse>>();

  constructor(
    private readonly cache: EventCache,
    private readonly repository: EventsRepository,
    private readonly inventory: SeatInventory,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {
    cache.onChange((id) => {
      if (id === null) this.events.clear();
      else this.events.delete(id);
      this.pages.clear();
    });
  }

  async get(id: number): Promise<EventResponse> {
    const copy = this.events.get(id);
    if (copy && copy.expiresAt > Date.now()) return copy.value;
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  async list(limit = 20, cursor?: string): Promise<EventPageResponse> {
    const key = `${limit}:${cursor ?? ''}`;
    const copy = this.pages.get(key);
    if (copy && copy.expiresAt > Date.now()) return copy.value;
    const afterId = cursor === undefined ? 0 : decodeCursor(cursor);
    if (afterId === null) throw new InvalidInputError('cursor is not a cursor this API returned');
    // One extra row tells whether there is a next page without a COUNT.
    const rows = await this.repository.listAfter(afterId, limit + 1);
    const page = rows.slice(0, limit);
    const counts = await this.repository.seatCounts(page.map((e) => e.id));
    const items = await Promise.all(page.map(async (e) => EventResponse.from(e, await this.withFreeSeats(e, counts.get(e.id)!))));
    const value = tagged({ items, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null });
    this.remember(this.pages, key, value);
    return value;
  }

  private async load(id: number): Promise<EventResponse> {
    const event = await this.cache.get(id);
    if (!event) throw new EventNotFoundError(id);
    const counts = (await this.repository.seatCounts([id])).get(id)!;
    const value = tagged(EventResponse.from(event, await this.withFreeSeats(event, counts)));
    this.remember(this.events, id, value);
    return value;
  }

  /**
   * `available` from the pool when it exists (it also leaves out seats of
   * bookings still in flight); else, and for cancelled events, from MySQL.
   */
  private async withFreeSeats(event: Event, counts: SeatCounts): Promise<SeatCounts & { available?: number }> {
    if (event.cancelledAt) return counts;
    const free = await this.inventory.freeSeats(event.id).catch(() => null);
    return free === null ? counts : { ...counts, available: Math.min(free, Math.max(0, event.capacity - counts.sold - counts.held)) };
  }

  private remember<K, T>(map: Map<K, Copy<T>>, key: K, value: T): void {
    if (this.config.eventReadCacheMs > 0) map.set(key, { value, expiresAt: Date.now() + this.config.eventReadCacheMs });
  }
}

function tagged<T extends object>(value: T): T {
  return withEtag(value, `W/"${createHash('sha1').update(JSON.stringify(value)).digest('base64url')}"`);
}
