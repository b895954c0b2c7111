import { Inject, Injectable } from '@nestjs/common';
import { ExecutionError, Lock, Redlock, ResourceLockedError } from '@sesamecare-oss/redlock';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { Deadline } from '../common/deadline';
import { DependencyUnavailableError } from '../common/domain-errors';
import { retryUntilDeadline, RetryableConflict } from '../common/retry-until-deadline';
import { REDLOCK } from '../redis/redis.tokens';
import { LockLease } from './lock-lease';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';

/**
 * Runs work while holding a Redlock lock, auto-extended for as long as the work
 * runs, always released in `finally`. Callers queue locally first (the
 * pessimistic strategy's EventTurns), so contention seen here is between
 * instances.
 */
@Injectable()
export class DistributedLockService {
  constructor(
    @Inject(REDLOCK) private readonly redlock: Redlock,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
    private readonly metrics: SeatguardMetrics,
  ) {}

  async withLock<T>(resource: string, deadline: Deadline, work: (lease: LockLease) => Promise<T>): Promise<T> {
    const waitStarted = process.hrtime.bigint();
    const lock = await this.acquire(resource, deadline);
    this.metrics.lockWaitSeconds.observe(Number(process.hrtime.bigint() - waitStarted) / 1e9);
    const lease = new LockLease(lock, this.config.lockTtlMs, this.config.lockExtendThresholdMs, this.metrics);
    try {
      return await work(lease);
    } finally {
      await lease.release();
    }
  }

  private acquire(resource: string, deadline: Deadline): Promise<Lock> {
    return retryUntilDeadline(
      deadline,
      'waiting for the event lock',
      { startingDelayMs: 2, maxDelayMs: 50 },
      async () => {
        try {
          return await this.redlock.acquire([resource], this.config.lockTtlMs);
        } catch (error) {
          throw await classifyAcquireFailure(error);
        }
      },
      () => this.metrics.lockEvents.inc({ event: 'contended' }),
    );
  }
}

/** Contention (another holder) is retried; a lost quorum is a dependency failure. */
async function classifyAcquireFailure(error: unknown): Promise<Error> {
  if (!(error instanceof ExecutionError) || error.attempts.length === 0) {
    return new DependencyUnavailableError('lock-quorum', error);
  }
  const stats = await error.attempts[error.attempts.length - 1];
  const reasons = [...stats.votesAgainst.values()];
  const lockedVotes = reasons.filter((r) => r instanceof ResourceLockedError).length;
  // If the nodes that answered "locked" plus those that could not vote at all
  // still leave room for a quorum of reachable nodes, this is just contention.
  const reachable = stats.membershipSize - (reasons.length - lockedVotes);
  if (lockedVotes > 0 && reachable >= stats.quorumSize) return new RetryableConflict('event lock is held');
  return new DependencyUnavailableError('lock-quorum', error);
}
