import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../setup/test-settings';

let client: Redis | undefined;

export function testRedis(): Redis {
  client ??= new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  return client;
}

export async function closeTestRedis(): Promise<void> {
  await client?.quit();
  client = undefined;
}

/** The test logical database only (db 15), never the whole server. */
export async function flushTestRedis(): Promise<void> {
  await testRedis().flushdb();
}
