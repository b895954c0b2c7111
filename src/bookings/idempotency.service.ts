import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { Deadline } from '../common/deadline';
import { DeadlineExceededError, DomainError, IdempotencyKeyReusedError } from '../common/domain-errors';
import { domainErrorBody } from '../common/http/error-body';
import { inventoryKeys } from '../inventory/inventory-keys';
import { REDIS_CLIENT } from '../redis/redis.tokens';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * What Redis keeps per key. A 201 is kept as a marker only: its body (with the
 * booking's secret) is rebuilt from MySQL on every replay, so Redis never holds
 * a secret and MySQL decides what a replay returns.
 */
type Entry =
  | { state: 'pending'; hash: string; owner: string }
  | { state: 'done'; hash: string; status: 201 }
  | { state: 'done'; hash: string; status: number; body: unknown };

// Deletes the claim only if it is still ours: a slow first request must not free a newer claim.
const RELEASE_CLAIM = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One answer per Idempotency-Key. The first request claims the key (SET NX);
 * replays, even concurrent ones, wait for the first answer. A booking (201) is
 * replayed from MySQL for IDEMPOTENCY_TTL_SECONDS (and after that too: the
 * service asks MySQL first); a refusal (409) is replayed only for
 * IDEMPOTENCY_ERROR_TTL_SECONDS, after which the key may try again; a 503 or a
 * different body under the key (422) is never stored, so neither can poison it.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {}

  /**
   * `work` runs at most once at a time per key; `replayBooking` rebuilds a
   * stored 201 from MySQL (null: MySQL has no such booking after all).
   */
  async run(
    eventId: number,
    keyHash: string,
    requestHash: string,
    deadline: Deadline,
    work: () => Promise<StoredResponse>,
    replayBooking: () => Promise<StoredResponse | null>,
  ): Promise<StoredResponse> {
    const redisKey = inventoryKeys(eventId).idempotency(keyHash);
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      const pending: Entry = { state: 'pending', hash: requestHash, owner: randomUUID() };
      const claim = JSON.stringify(pending);
      // The claim outlives the longest a booking may take, and no more: a crashed claimant frees the key soon.
      const claimed = await this.redis.set(redisKey, claim, 'PX', this.config.deadlineMs + 2000, 'NX');
      if (claimed === 'OK') return this.runClaimed(redisKey, claim, requestHash, work);

      const raw = await this.redis.get(redisKey);
      if (raw !== null) {
        const entry = JSON.parse(raw) as Entry;
        if (entry.hash !== requestHash) throw new IdempotencyKeyReusedError();
        if (entry.state === 'done') {
          if (!('body' in entry)) {
            const replayed = await replayBooking();
            if (replayed) return replayed;
            await this.release(redisKey, raw);
            continue;
          }
          return { status: entry.status, body: entry.body };
        }
      }
      if (deadline.expired()) throw new DeadlineExceededError('waiting for the first request with this Idempotency-Key');
      await sleep(Math.random() * wait);
    }
  }

  private async runClaimed(redisKey: string, claim: string, hash: string, work: () => Promise<StoredResponse>): Promise<StoredResponse> {
    let response: StoredResponse;
    try {
      response = await work();
    } catch (error) {
      if (error instanceof DomainError && error.status < 500 && !(error instanceof IdempotencyKeyReusedError)) {
        response = { status: error.status, body: domainErrorBody(error) };
      } else {
        await this.release(redisKey, claim);
        throw error;
      }
    }
    const done: Entry = response.status === 201 ? { state: 'done', hash, status: 201 } : { state: 'done', hash, ...response };
    const ttlSeconds = response.status === 201 ? this.config.idempotencyTtlSeconds : this.config.idempotencyErrorTtlSeconds;
    // Best effort: if Redis forgets, the next replay asks MySQL.
    await this.redis.set(redisKey, JSON.stringify(done), 'PX', ttlSeconds * 1000).catch(() => undefined);
    return response;
  }

  private async release(redisKey: string, expected: string): Promise<void> {
    await this.redis.eval(RELEASE_CLAIM, 1, redisKey, expected).catch(() => undefined);
  }
}
