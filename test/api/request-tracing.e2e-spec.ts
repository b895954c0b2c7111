import { startExtraRedis } from '../../tools/redis-server';
import { startTcpProxy } from '../../tools/tcp-proxy';
import { startChildApp } from '../support/child-app';
import { Cleanups } from '../support/cleanups';
import { waitFor } from '../support/purchase-loop';
import { admin } from '../support/sale';
import { RunningApp, startApp } from '../support/test-app';
import { closeTestDb, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';
import { testEnvironment } from '../setup/test-settings';

/** The JSON log lines of a child app's output. */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const WARN = 40;

describe('traceable requests: X-Request-Id in answers, error bodies and every log line', () => {
  let app: RunningApp;
  const api = (path: string) => `${app.url}/api/v1${path}`;

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    app = await startApp();
  });
  afterAll(async () => {
    await app.close();
    await closeTestDb();
    await closeTestRedis();
  });

  it('gives every answer an id, keeps a sane incoming one and replaces one that is not', async () => {
    const fresh = await fetch(api('/events'));
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${app.url}/health/live`, { headers: { 'X-Request-Id': 'lb-7f3a.42' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.42');
    const replaced = await fetch(api('/events'), { headers: { 'X-Request-Id': 'no spaces <or> markup' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['a 404', () => fetch(api('/events/999999'), { headers: { 'X-Request-Id': 'req-404' } }), 404, 'req-404'],
    [
      'a body that is not JSON',
      () => fetch(api('/events'), { method: 'POST', headers: { ...admin, 'X-Request-Id': 'req-400' }, body: '{nope' }),
      400,
      'req-400',
    ],
    [
      'a 401',
      () =>
        fetch(api('/events'), { method: 'POST', headers: { 'X-Request-Id': 'req-401', 'content-type': 'application/json' }, body: '{}' }),
      401,
      'req-401',
    ],
  ])('names the request in the header and the body of %s', async (_what, send, status, id) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get('x-request-id')).toBe(id);
    expect((await res.json()).requestId).toBe(id);
  });

  it('a request that fails at LOG_LEVEL=warn leaves log lines with its id, also from code that does not know the request', async () => {
    const env = testEnvironment();
    const cleanups = new Cleanups();
    const mysql = cleanups.later(await startTcpProxy(env.DB_HOST, Number(env.DB_PORT)));
    const redis = cleanups.later(await startExtraRedis());
    const child = cleanups.later(
      await startChildApp({
        LOG_LEVEL: 'warn',
        DB_PORT: String(mysql.port),
        DB_CONNECT_TIMEOUT_MS: '1000',
        REDIS_URL: redis.url,
        REDLOCK_NODES: redis.url,
      }),
    );
    try {
      // A deep failure: the event is stored, its Redis pool cannot be built (the service logs a warning; the request succeeds).
      await redis.refuseWrites('OOM');
      const created = await fetch(`${child.url}/api/v1/events`, {
        method: 'POST',
        headers: { ...admin, 'X-Request-Id': 'deep-warning-1' },
        body: JSON.stringify({ name: 'Traced', startsAt: '2027-06-01T20:00:00Z', capacity: 5 }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: number };
      await redis.acceptWrites();
      // The request fails: MySQL is cut off.
      await mysql.cut();
      const failed = await fetch(`${child.url}/api/v1/events/${id}/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Request-Id': 'failing-request-1' },
        body: JSON.stringify({ customerEmail: 'ada@example.com', quantity: 1 }),
      });
      expect(failed.status).toBe(503);
      expect(failed.headers.get('x-request-id')).toBe('failing-request-1');
      expect((await failed.json()).requestId).toBe('failing-request-1');

      await waitFor('both warnings logged', () => {
        const ids = logLines(child.output()).map((line) => line.reqId);
        return ids.includes('deep-warning-1') && ids.includes('failing-request-1');
      });
      const lines = logLines(child.output());
      const deep = lines.find((line) => line.reqId === 'deep-warning-1')!;
      expect(deep).toMatchObject({ level: WARN, msg: 'inventory not built at creation' });
      const failure = lines.filter((line) => line.reqId === 'failing-request-1');
      expect(failure.length).toBeGreaterThan(0);
      expect(failure.every((line) => Number(line.level) >= WARN)).toBe(true);
      // Back on, so the app stops at once rather than waiting out its MySQL pool's timeouts.
      await mysql.restore();
      process.stdout.write(
        `[tracing] ${lines.length} log lines at warn; the failing request's: ${JSON.stringify(failure.map((l) => l.msg))}\n`,
      );
    } finally {
      await cleanups.runAll();
    }
  });
});
