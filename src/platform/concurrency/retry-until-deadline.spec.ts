import { Deadline } from './deadline';
import { DeadlineExceededError } from '../../shared/errors/domain-errors';
import { retryUntilDeadline, RetryableConflict } from './retry-until-deadline';

const policy = { startingDelayMs: 1, maxDelayMs: 5 };

describe('retryUntilDeadline', () => {
  it('retries conflicts until an attempt succeeds', async () => {
    let calls = 0;
    const result = await retryUntilDeadline(Deadline.in(1000), 'test', policy, async (n) => {
      calls = n;
      if (n < 4) throw new RetryableConflict('again');
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(4);
  });

  it('does not retry any other error', async () => {
    let calls = 0;
    const boom = new Error('boom');
    await expect(retryUntilDeadline(Deadline.in(1000), 'test', policy, () => (calls++, Promise.reject(boom)))).rejects.toBe(boom);
    expect(calls).toBe(1);
  });

  it('turns conflicts that outlast the deadline into DEADLINE_EXCEEDED naming what waited', async () => {
    const attempt = retryUntilDeadline(Deadline.in(30), 'the event lock', policy, () => Promise.reject(new RetryableConflict('held')));
    await expect(attempt).rejects.toBeInstanceOf(DeadlineExceededError);
    await expect(attempt).rejects.toThrow(/the event lock/);
  });
});
