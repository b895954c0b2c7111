import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../setup/test-settings';

/** One client for `url`, made on first use, and its close (the suites open it in tests, close it in afterAll). */
export function lazyRedis(url: string): { client: () => Redis; close: () => Promise<void> } {
  let client: Redis | undefined;
  return {
    client: () => (client ??= new Redis(url, { maxRetriesPerRequest: 1 })),
    close: async () => {
      await client?.quit();
      client = undefined;
    },
  };
}

const testDb = lazyRedis(TEST_REDIS_URL);
export const testRedis = testDb.client;
export const closeTestRedis = testDb.close;

/** The test logical database only (db 15), never the whole server. */
export async function flushTestRedis(): Promise<void> {
  await testRedis().flushdb();
}
