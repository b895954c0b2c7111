import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { bookingConfig, BookingConfig } from '../../platform/config/configuration';
import { Deadline } from '../../platform/concurrency/deadline';
import type { ErrorCode } from '../../shared/errors/error-codes';
import { DeadlineExceededError, DomainError, IdempotencyKeyReusedError, ReplayedRefusalError } from '../../shared/errors/domain-errors';
import { eventHashTag } from '../../platform/redis/event-hash-tag';
import { REDIS_CLIENT } from '../../platform/redis/redis.tokens';
import type { BookingOutcome } from './booking-outcome';

/**
 * What Redis keeps per key. A booking is kept as a marker only: it is rebuilt
 * from MySQL on every replay (with its secret, derived from the key), so Redis
 * never holds a secret and MySQL decides what a replay returns.
 */
type Entry =
  | { state: 'pending'; hash: string; owner: string }
  | { state: 'booked'; hash: string }
  | { state: 'sold-out'; hash: string; available: number; requested: number }
  | { state: 'refused'; hash: string; code: ErrorCode; status: number; message: string; details?: Record<string, unknown> };

// Deletes the claim only if it is still ours: a slow first request must not free a newer claim.
const RELEASE_CLAIM = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Same hash tag as the event's seats: on a cluster, one event's keys stay on one node. */
const redisKeyOf = (eventId: number, keyHash: string): string => `${eventHashTag(eventId)}:idem:${keyHash}`;

/**
 * One answer per Idempotency-Key, around the booking use case. The first
 * request claims the key (SET NX); replays, even concurrent ones, wait for the
 * first answer. A booking is replayed from MySQL for IDEMPOTENCY_TTL_SECONDS
 * (and after that too: the use case asks MySQL first); a refusal (SOLD_OUT,
 * CUSTOMER_LIMIT_REACHED...) is replayed only for
 * IDEMPOTENCY_ERROR_TTL_SECONDS, after which the key may try again; a 503 or
 * a different body under the key (422) is never stored, so neither can poison it.
 */
@Injectable()
export class IdempotentBookings {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {}

  /**
   * `book` runs at most once at a time per key; `replayBooking` rebuilds a
   * stored booking from MySQL (null: MySQL has no such booking after all).
   */
  async run(
    eventId: number,
    keyHash: string,
    requestHash: string,
    deadline: Deadline,
    book: () => Promise<BookingOutcome>,
    replayBooking: () => Promise<BookingOutcome | null>,
  ): Promise<BookingOutcome> {
    const redisKey = redisKeyOf(eventId, keyHash);
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      const claim = JSON.stringify({ state: 'pending', hash: requestHash, owner: randomUUID() } satisfies Entry);
      // The claim outlives the longest a booking may take, and no more: a crashed claimant frees the key soon.
      const claimed = await this.redis.set(redisKey, claim, 'PX', this.config.deadlineMs + 2000, 'NX');
      if (claimed === 'OK') return this.runClaimed(redisKey, claim, requestHash, book);

      const raw = await this.redis.get(redisKey);
      if (raw !== null) {
        const entry = JSON.parse(raw) as Entry;
        if (entry.hash !== requestHash) throw new IdempotencyKeyReusedError();
        if (entry.state === 'booked') {
          const replayed = await replayBooking();
          if (replayed) return replayed;
          await this.release(redisKey, raw);
          continue;
        }
        if (entry.state === 'sold-out') return { kind: 'sold-out', available: entry.available, requested: entry.requested };
        if (entry.state === 'refused') throw new ReplayedRefusalError(entry);
      }
      if (deadline.expired()) throw new DeadlineExceededError('waiting for the first request with this Idempotency-Key');
      await sleep(Math.random() * wait);
    }
  }

  private async runClaimed(redisKey: string, claim: string, hash: string, book: () => Promise<BookingOutcome>): Promise<BookingOutcome> {
    let entry: Entry;
    let outcome: BookingOutcome | undefined;
    let refusal: DomainError | undefined;
    try {
      outcome = await book();
      entry =
        outcome.kind === 'booked'
          ? { state: 'booked', hash }
          : { state: 'sold-out', hash, available: outcome.available, requested: outcome.requested };
    } catch (error) {
      // Not stored: failures, a different body under the key, and refusals that say when to try again (SALE_NOT_OPEN).
      if (
        !(error instanceof DomainError) ||
        error.status >= 500 ||
        error instanceof IdempotencyKeyReusedError ||
        error.retryAfterSeconds !== undefined
      ) {
        await this.release(redisKey, claim);
        throw error;
      }
      refusal = error;
      entry = { state: 'refused', hash, code: error.code, status: error.status, message: error.message, details: error.details };
    }
    const ttlSeconds = entry.state === 'booked' ? this.config.idempotencyTtlSeconds : this.config.idempotencyErrorTtlSeconds;
    // Best effort: if Redis forgets, the next replay asks MySQL.
    await this.redis.set(redisKey, JSON.stringify(entry), 'PX', ttlSeconds * 1000).catch(() => undefined);
    if (refusal) throw refusal;
    return outcome!;
  }

  private async release(redisKey: string, expected: string): Promise<void> {
    await this.redis.eval(RELEASE_CLAIM, 1, redisKey, expected).catch(() => undefined);
  }
}
