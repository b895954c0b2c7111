import { Inject, Injectable } from '@nestjs/common';
import { ExecutionError, Lock, Redlock, ResourceLockedError } from '@sesamecare-oss/redlock';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { DependencyUnavailableError } from '../../shared/errors/domain-errors';
import { REDLOCK } from '../redis/redis.tokens';
import { LockLease } from './lock-lease';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';

export type LockedResult<T> = { acquired: true; result: T } | { acquired: false };

/**
 * Runs work while holding a Redlock lock, auto-extended for as long as the work
 * runs, always released in `finally`. One try: a lock held elsewhere is
 * `acquired: false` and the caller's retry policy decides when to try again;
 * a lost quorum is a dependency failure.
 */
@Injectable()
export class DistributedLockService {
  constructor(
    @Inject(REDLOCK) private readonly redlock: Redlock,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
    private readonly metrics: SeatguardMetrics,
  ) {}

  async tryWithLock<T>(resource: string, work: (lease: LockLease) => Promise<T>): Promise<LockedResult<T>> {
    const waitStarted = process.hrtime.bigint();
    const lock = await this.tryAcquire(resource);
    if (!lock) {
      this.metrics.lockEvents.inc({ event: 'contended' });
      return { acquired: false };
    }
    this.metrics.lockWaitSeconds.observe(Number(process.hrtime.bigint() - waitStarted) / 1e9);
    const lease = new LockLease(lock, this.config.lockTtlMs, this.config.lockExtendThresholdMs, this.metrics);
    try {
      return { acquired: true, result: await work(lease) };
    } finally {
      await lease.release();
    }
  }

  private async tryAcquire(resource: string): Promise<Lock | null> {
    try {
      return await this.redlock.acquire([resource], this.config.lockTtlMs);
    } catch (error) {
      if (await isContention(error)) return null;
      throw new DependencyUnavailableError('lock-quorum', error);
    }
  }
}

/**
 * If the nodes that answered "locked" plus those that could not vote at all
 * still leave room for a quorum of reachable nodes, this is just contention.
 */
async function isContention(error: unknown): Promise<boolean> {
  if (!(error instanceof ExecutionError) || error.attempts.length === 0) return false;
  const stats = await error.attempts[error.attempts.length - 1];
  const reasons = [...stats.votesAgainst.values()];
  const lockedVotes = reasons.filter((r) => r instanceof ResourceLockedError).length;
  const reachable = stats.membershipSize - (reasons.length - lockedVotes);
  return lockedVotes > 0 && reachable >= stats.quorumSize;
}
