import { backOff } from 'exponential-backoff';
import { Deadline } from './deadline';
import { DeadlineExceededError } from '../../shared/errors/domain-errors';

/** Thrown by an attempt to say "lost the race, try again". Anything else ends the retries. */
export class RetryableConflict extends Error {
  constructor(reason: string) {
    super(reason);
  }
}

export interface RetryPolicy {
  startingDelayMs: number;
  maxDelayMs: number;
}

/**
 * Runs `attempt` until it succeeds, with full-jitter exponential backoff
 * between conflicts, for as long as the deadline allows. Contention is the
 * server's problem: the caller sees a result or a deadline, never "busy".
 */
export async function retryUntilDeadline<T>(
  deadline: Deadline,
  what: string,
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  onConflict?: () => void,
): Promise<T> {
  let attempts = 0;
  try {
    return await backOff(
      () => {
        deadline.throwIfExpired(what);
        attempts += 1;
        return attempt(attempts);
      },
      {
        numOfAttempts: Number.MAX_SAFE_INTEGER,
        startingDelay: policy.startingDelayMs,
        maxDelay: policy.maxDelayMs,
        timeMultiple: 2,
        jitter: 'full',
        retry: (error: unknown) => {
          if (!(error instanceof RetryableConflict)) return false;
          onConflict?.();
          return !deadline.expired();
        },
      },
    );
  } catch (error) {
    if (error instanceof RetryableConflict) throw new DeadlineExceededError(what);
    throw error;
  }
}
