import { QueueClient } from '../../tools/waiting-room/queue-client';
import { closeTestDb, truncateAll } from './test-db';
import { closeTestRedis, flushTestRedis } from './test-redis';
import { RunningApp, startApp } from './test-app';

/** What a waiting-room suite works with once its beforeAll ran: the app and a buyer's client of it. */
export interface RoomApp {
  readonly app: RunningApp;
  readonly queue: QueueClient;
}

/**
 * The set-up every waiting-room suite shares, as its own hooks: Redis flushed
 * (and the tables emptied with `truncate`), the app started with `env`, a
 * QueueClient on it; after the suite, the app stopped and the connections closed.
 * Hooks a suite declares before calling this run before the app starts.
 */
export function roomAppPerSuite(env: Record<string, string>, options: { truncate?: boolean } = {}): RoomApp {
  let running: RoomApp | undefined;
  const started = (): RoomApp => running ?? fail('the room app is used before its beforeAll ran');
  beforeAll(async () => {
    if (options.truncate) await truncateAll();
    await flushTestRedis();
    const app = await startApp(env);
    running = { app, queue: new QueueClient(app.url) };
  });
  afterAll(async () => {
    await running?.app.close();
    await closeTestDb();
    await closeTestRedis();
  });
  return {
    get app() {
      return started().app;
    },
    get queue() {
      return started().queue;
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}
