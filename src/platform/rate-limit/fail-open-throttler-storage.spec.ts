import type { ThrottlerStorage } from '@nestjs/throttler';
import { FailOpenThrottlerStorage } from './fail-open-throttler-storage';

/** An inner storage whose health the test switches. */
class SwitchableStorage implements ThrottlerStorage {
  broken = false;
  calls = 0;
  async increment() {
    this.calls += 1;
    if (this.broken) throw new Error('Connection is closed.');
    return { totalHits: 7, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 2 };
  }
}

function setUp(warnEveryMs = 10_000) {
  const inner = new SwitchableStorage();
  let clock = 0;
  const logger = { warn: jest.fn(), log: jest.fn() };
  const storage = new FailOpenThrottlerStorage(inner, { warnEveryMs, now: () => clock, logger });
  const hit = () => storage.increment('key', 3000, 5, 3000, 'default');
  return { inner, logger, hit, advance: (ms: number) => (clock += ms) };
}

describe('FailOpenThrottlerStorage', () => {
  it('passes the inner storage answer through untouched, blocks included', async () => {
    const { hit, logger } = setUp();
    await expect(hit()).resolves.toEqual({ totalHits: 7, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 2 });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('lets the request through when the inner storage throws', async () => {
    const { hit, inner } = setUp();
    inner.broken = true;
    await expect(hit()).resolves.toEqual({ totalHits: 0, timeToExpire: 3, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('warns once per interval, not once per request, and counts what went uncounted', async () => {
    const { hit, inner, logger, advance } = setUp(10_000);
    inner.broken = true;
    for (let i = 0; i < 100; i++) {
      await hit();
      advance(50); // 100 requests over 5 s
    }
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toMatch(/rate-limit storage unavailable \(Connection is closed\.\): 1 request/);
    advance(5_000);
    await hit();
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn.mock.calls[1][0]).toMatch(/: 100 request\(s\) let through uncounted/);
  });

  it('says once when the storage answers again, and warns at once on the next outage', async () => {
    const { hit, inner, logger } = setUp();
    inner.broken = true;
    await hit();
    await hit();
    inner.broken = false;
    await hit();
    await hit();
    expect(logger.log).toHaveBeenCalledTimes(1);
    expect(logger.log.mock.calls[0][0]).toMatch(/answers again; 1 more request/);
    inner.broken = true;
    await hit();
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(inner.calls).toBe(5);
  });
});
