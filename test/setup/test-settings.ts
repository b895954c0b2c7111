import { config as loadDotenv } from 'dotenv';

loadDotenv({ quiet: true });

/** Redis logical database of the e2e suites: never the one `npm run up` uses. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
export const TEST_DB_NAME = process.env.TEST_DB_NAME ?? 'seatguard_test';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** The HTTP stack every app the suites start runs on: scripts/test-all.sh runs the HTTP suites on both. */
export const TEST_HTTP_ADAPTER = process.env.HTTP_ADAPTER === 'fastify' ? 'fastify' : 'express';

/** What every app started by the suites gets, in-process or as a child process. */
export function testEnvironment(): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HTTP_ADAPTER: TEST_HTTP_ADAPTER,
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN,
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: process.env.DB_PORT ?? '3306',
    DB_USER: process.env.DB_USER ?? 'seatguard',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_NAME: TEST_DB_NAME,
    REDIS_URL: TEST_REDIS_URL,
    REDLOCK_NODES: TEST_REDIS_URL,
    RECONCILE_ON_START: 'false',
    BOOKING_DEADLINE_MS: '15000',
    RESERVATION_TTL_MS: '30000',
    // Off unless a test turns it on: the proofs fire hundreds of requests from one address.
    BOOKING_RATE_LIMIT: '0',
    // Reads answer from a short-lived copy in production; the proofs read right after writing.
    EVENT_READ_CACHE_MS: '0',
  };
}

export function assertTestDatabase(name: string): void {
  if (!/_test$/.test(name)) {
    throw new Error(`refusing to run against database "${name}": the e2e suites only touch databases named *_test`);
  }
}
