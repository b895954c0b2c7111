import { randomBytes } from 'node:crypto';
import { startExtraRedis } from '../../tools/redis-server';
import { ChildApp, startChildApp } from '../support/child-app';
import { Cleanups } from '../support/cleanups';
import { book, createEvent } from '../support/sale';
import { closeTestDb, truncateAll } from '../support/test-db';
import { STRATEGY_NAMES } from '../../src/domain/inventory/strategies/strategy-name';

/**
 * Compose and Kubernetes run Redis with a password (REDIS_URL and
 * REDLOCK_NODES carry it): the app works end to end through it, on every
 * strategy, and is not ready with a wrong one.
 */
describe('Redis that requires a password', () => {
  const cleanups = new Cleanups();
  beforeAll(() => truncateAll());
  afterAll(async () => {
    await cleanups.runAll();
    await closeTestDb();
  });

  it('REDIS_URL with credentials: bookings on every strategy; a wrong password is not ready', async () => {
    const password = randomBytes(12).toString('hex');
    const redis = await startExtraRedis({ password });
    cleanups.add(() => redis.stop());
    const app: ChildApp = await startChildApp({ REDIS_URL: redis.url, REDLOCK_NODES: redis.url });
    cleanups.add(() => app.stop());
    for (const strategy of STRATEGY_NAMES) {
      const event = await createEvent(app.url, { capacity: 2, strategy });
      expect({ strategy, status: (await book(app.url, event.id, 1)).status }).toEqual({ strategy, status: 201 });
    }
    const wrongUrl = redis.url.replace(`:${password}@`, ':not-the-password@');
    const wrong = await startChildApp({ REDIS_URL: wrongUrl, REDLOCK_NODES: wrongUrl }, { readyTimeoutMs: 3000 }).then(
      (a) => (cleanups.add(() => a.stop()), 'started'),
      (error: Error) => error.message,
    );
    expect(wrong).toMatch(/^not ready after 3000 ms/);
  });
});
