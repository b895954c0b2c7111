import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { bookingConfig, BookingConfig, redisConfig, RedisConfig } from '../../platform/config/configuration';
import { createRedisClient, RedisClient } from '../../platform/redis/redis-client';
import { closeQuietly } from '../../platform/redis/redis-connection';
import { REDIS_CLIENT } from '../../platform/redis/redis.tokens';
import type { Deadline } from '../../platform/concurrency/deadline';
import type { Event } from './event.model';
import { ExpiringCache } from '../../platform/cache/expiring-cache';
import { EventsRepository } from './persistence/events.repository';

/** Pub/sub channel: an event changed (its strategy), drop cached copies. */
const EVENT_CHANGED_CHANNEL = 'seatguard:event-changed';
/** Far more events than one sale platform puts on sale at once; past it, the least recently booked are reloaded. */
const MAX_CACHED_EVENTS = 10_000;

/**
 * Events as the booking path reads them: from memory, refreshed after a short
 * TTL, and dropped on every instance at once when an admin changes one
 * (Redis pub/sub). Losing a message costs at most one TTL of staleness, which
 * is safe: every strategy works on the same inventory, so mixing them is fine.
 */
@Injectable()
export class EventCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventCache.name);
  private readonly entries: ExpiringCache<number, Event, Deadline | undefined>;
  private subscriber: RedisClient | undefined;
  private readonly listeners: ((eventId: number | null) => void)[] = [];

  constructor(
    private readonly repository: EventsRepository,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(redisConfig.KEY) private readonly redisSettings: RedisConfig,
    @Inject(bookingConfig.KEY) config: BookingConfig,
  ) {
    this.entries = new ExpiringCache(
      config.eventCacheTtlMs,
      MAX_CACHED_EVENTS,
      async (id, deadline) => (await this.repository.findById(id, deadline)) ?? undefined,
    );
  }

  onModuleInit(): void {
    // On a cluster, PUBLISH reaches every node's subscribers, so any node will do.
    this.subscriber = createRedisClient(this.redisSettings, 'seatguard-events-subscriber', { subscriber: true });
    // ioredis re-subscribes after a reconnect; clear everything then, messages may have been missed.
    this.subscriber.on('ready', () => this.forgetAll());
    this.subscriber.on('message', (_channel, id) => this.forget(Number(id)));
    this.subscriber
      .subscribe(EVENT_CHANGED_CHANNEL)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'event change subscription failed; relying on the cache TTL'));
  }

  async onModuleDestroy(): Promise<void> {
    if (this.subscriber) await closeQuietly(this.subscriber);
  }

  /** `deadline` bounds the MySQL read when the event must be loaded (shared by callers waiting for the same load). */
  async get(id: number, deadline?: Deadline): Promise<Event | null> {
    return (await this.entries.get(id, deadline)) ?? null;
  }

  /** Local drop plus a broadcast to the other instances. */
  async changed(event: Event): Promise<void> {
    this.forget(event.id);
    await this.redis
      .publish(EVENT_CHANGED_CHANNEL, String(event.id))
      .catch((error: unknown) => this.logger.warn({ err: error, eventId: event.id }, 'could not broadcast an event change'));
  }

  /** Also called for every change seen here or broadcast by another instance: read caches drop their copy too. */
  onChange(listener: (eventId: number | null) => void): void {
    this.listeners.push(listener);
  }

  private forget(id: number): void {
    this.entries.delete(id);
    for (const listener of this.listeners) listener(id);
  }

  private forgetAll(): void {
    this.entries.clear();
    for (const listener of this.listeners) listener(null);
  }
}
