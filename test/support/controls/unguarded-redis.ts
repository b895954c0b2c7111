import { TEST_REDIS_URL } from '../../setup/test-settings';
import { lazyRedis } from '../test-redis';

/**
 * The control group's Redis: a logical database of its own, next to the test one.
 * Its events live in another MySQL database, and an app drops from Redis the pools
 * of events its own database does not list (ReservationSweeper.tidyKnown). Sharing
 * the test database's Redis, the suite's guarded apps would drop a control event's
 * pool at any sweep tick, and the control would no longer show what it exists to show
 * (proof 7's control read 0 seats back in a pool dropped between the cancel and the read).
 * With the default 15 this is db 14, which the bench smoke suites also use and flush:
 * suites run one at a time, and each flushes it before use.
 */
export const UNGUARDED_REDIS_URL = (() => {
  const url = new URL(TEST_REDIS_URL);
  const db = Number(url.pathname.slice(1) || 0);
  url.pathname = `/${db ^ 1}`;
  return url.toString();
})();

const unguardedDb = lazyRedis(UNGUARDED_REDIS_URL);
export const unguardedRedis = unguardedDb.client;
export const closeUnguardedRedis = unguardedDb.close;
