import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
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

type Entry = { state: 'pending'; hash: string } | { state: 'done'; hash: string; response: StoredResponse };

/**
 * One answer per Idempotency-Key. The first request claims the key (SET NX);
 * replays, even concurrent ones, wait for and return the stored answer.
 * Final answers (201, 409...) are kept for IDEMPOTENCY_TTL_SECONDS; a 503 is
 * not, so the client's retry is a real new try. MySQL's unique key on
 * (event_id, idempotency_key) backs this up if Redis forgets.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {}

  async run(
    eventId: number,
    key: string,
    requestHash: string,
    deadline: Deadline,
    work: () => Promise<StoredResponse>,
  ): Promise<StoredResponse> {
    const redisKey = inventoryKeys(eventId).idempotency(key);
    const ttlMs = this.config.idempotencyTtlSeconds * 1000;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      const pending: Entry = { state: 'pending', hash: requestHash };
      // The pending claim lives only as long as a booking can take.
      const claimed = await this.redis.set(redisKey, JSON.stringify(pending), 'PX', this.config.holdTtlMs, 'NX');
      if (claimed === 'OK') return this.runClaimed(redisKey, requestHash, ttlMs, work);

      const raw = await this.redis.get(redisKey);
      if (raw !== null) {
        const entry = JSON.parse(raw) as Entry;
        if (entry.hash !== requestHash) throw new IdempotencyKeyReusedError();
        if (entry.state === 'done') return entry.response;
      }
      if (deadline.expired()) throw new DeadlineExceededError('waiting for the first request with this Idempotency-Key');
      await sleep(Math.random() * wait);
    }
  }

  private async runClaimed(redisKey: string, hash: string, ttlMs: number, work: () => Promise<StoredResponse>): Promise<StoredResponse> {
    let response: StoredResponse;
    try {
      response = await work();
    } catch (error) {
      if (error instanceof DomainError && error.status < 500) {
        response = { status: error.status, body: domainErrorBody(error) };
      } else {
        await this.redis.del(redisKey).catch(() => undefined);
        throw error;
      }
    }
    const done: Entry = { state: 'done', hash, response };
    await this.redis.set(redisKey, JSON.stringify(done), 'PX', ttlMs).catch(() => undefined);
    return response;
  }
}
