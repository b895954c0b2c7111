import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export interface FailOpenOptions {
  /** At most one warning per this many ms while the storage keeps failing. */
  warnEveryMs?: number;
  now?: () => number;
  logger?: Pick<Logger, 'warn' | 'log'>;
}

/**
 * The rate limiter protects the service; it must not become a way for it to
 * fail. When the shared counter store (Redis) cannot answer, the request is
 * let through (the booking path then meets Redis itself and answers 503 if it
 * is really gone) and a warning says so, once per interval rather than once
 * per request, with how many requests went uncounted.
 */
export class FailOpenThrottlerStorage implements ThrottlerStorage {
  private readonly warnEveryMs: number;
  private readonly now: () => number;
  private readonly logger: Pick<Logger, 'warn' | 'log'>;
  private lastWarningAt = -Infinity;
  private uncountedSinceWarning = 0;
  private failing = false;

  constructor(
    private readonly inner: ThrottlerStorage,
    options: FailOpenOptions = {},
  ) {
    this.warnEveryMs = options.warnEveryMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? new Logger('RateLimit');
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      const record = await this.inner.increment(key, ttl, limit, blockDuration, throttlerName);
      if (this.failing) this.recovered();
      return record;
    } catch (error) {
      this.failed(error);
      // Nothing counted: the guard sees a fresh, unblocked window.
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  private failed(error: unknown): void {
    this.failing = true;
    this.uncountedSinceWarning += 1;
    const now = this.now();
    if (now - this.lastWarningAt < this.warnEveryMs) return;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      `rate-limit storage unavailable (${reason}): ${this.uncountedSinceWarning} request(s) let through uncounted since the last warning`,
    );
    this.lastWarningAt = now;
    this.uncountedSinceWarning = 0;
  }

  private recovered(): void {
    this.failing = false;
    this.logger.log(`rate-limit storage answers again; ${this.uncountedSinceWarning} more request(s) went uncounted`);
    this.uncountedSinceWarning = 0;
    this.lastWarningAt = -Infinity;
  }
}
