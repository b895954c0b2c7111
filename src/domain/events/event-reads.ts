import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { bookingConfig, BookingConfig } from '../../platform/config/configuration';
import { EventNotFoundError } from '../../shared/errors/domain-errors';
import { ExpiringCache } from '../../platform/cache/expiring-cache';
import { withEtag } from '../../shared/etag';
import { SeatInventory } from '../inventory/seat-inventory';
import { EventPageResponse, EventResponse } from './dto/event.response';
import { afterIdOf, pageOf } from '../../shared/pagination/event-cursor';
import { EventCache } from './event-cache';
import type { Event, SeatCounts } from './event.model';
import { EventsRepository } from './persistence/events.repository';

/** Distinct event pages and list pages kept per instance; a scan over many cursors evicts, it cannot grow memory. */
const MAX_COPIES = 10_000;

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
  private readonly events: ExpiringCache<number, EventResponse>;
  private readonly pages: ExpiringCache<string, EventPageResponse>;

  constructor(
    private readonly cache: EventCache,
    private readonly repository: EventsRepository,
    private readonly inventory: SeatInventory,
    @Inject(bookingConfig.KEY) config: BookingConfig,
  ) {
    this.events = new ExpiringCache(config.eventReadCacheMs, MAX_COPIES, (id) => this.load(id));
    this.pages = new ExpiringCache(config.eventReadCacheMs, MAX_COPIES, (key) => this.loadPage(key));
    cache.onChange((id) => {
      if (id === null) this.events.clear();
      else this.events.delete(id);
      this.pages.clear();
    });
  }

  async get(id: number): Promise<EventResponse> {
    const event = await this.events.get(id, undefined);
    if (!event) throw new EventNotFoundError(id);
    return event;
  }

  async list(limit = 20, cursor?: string): Promise<EventPageResponse> {
    afterIdOf(cursor); // a forged cursor is a 400 before it becomes a cache key
    return (await this.pages.get(`${limit}:${cursor ?? ''}`, undefined))!;
  }

  private async load(id: number): Promise<EventResponse | undefined> {
    const event = await this.cache.get(id);
    if (!event) return undefined;
    const counts = (await this.repository.seatCounts([id])).get(id)!;
    return tagged(EventResponse.from(event, await this.withFreeSeats(event, counts)));
  }

  private async loadPage(key: string): Promise<EventPageResponse> {
    const [limit, cursor] = key.split(':');
    const { page, nextCursor } = pageOf(await this.repository.listAfter(afterIdOf(cursor || undefined), Number(limit) + 1), Number(limit));
    const counts = await this.repository.seatCounts(page.map((e) => e.id));
    const items = await Promise.all(page.map(async (e) => EventResponse.from(e, await this.withFreeSeats(e, counts.get(e.id)!))));
    return tagged({ items, nextCursor });
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
}

function tagged<T extends object>(value: T): T {
  return withEtag(value, `W/"${createHash('sha1').update(JSON.stringify(value)).digest('base64url')}"`);
}
