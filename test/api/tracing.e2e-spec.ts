import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startChildApp } from '../support/child-app';
import { Cleanups } from '../support/cleanups';
import { waitFor } from '../support/purchase-loop';
import { book, createEvent } from '../support/sale';
import { closeTestDb, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';

interface ReceivedSpan {
  traceId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

const SERVER_KIND = 2; // OTLP SpanKind: SPAN_KIND_SERVER

/**
 * A collector's OTLP/HTTP traces endpoint that keeps what it receives in
 * memory (the exporter sends JSON), so the test reads the spans the app
 * exported exactly as a collector would get them.
 */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          resourceSpans: {
            scopeSpans: {
              spans: { traceId: string; name: string; kind: number; attributes: { key: string; value: Record<string, unknown> }[] }[];
            }[];
          }[];
        };
        for (const rs of body.resourceSpans) {
          for (const ss of rs.scopeSpans) {
            for (const s of ss.spans) {
              const attributes = Object.fromEntries(s.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
              spans.push({ traceId: s.traceId, name: s.name, kind: s.kind, attributes });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('OpenTelemetry traces', () => {
  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
  });
  afterAll(async () => {
    await closeTestDb();
    await closeTestRedis();
  });

  it('a booking is one trace with HTTP, MySQL and Redis spans, exported over OTLP to the endpoint set', async () => {
    const cleanups = new Cleanups();
    const receiver = cleanups.later(await startOtlpReceiver());
    const app = cleanups.later(
      await startChildApp({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_SERVICE_NAME: 'seatguard-test',
      }),
    );
    try {
      const event = await createEvent(app.url, { capacity: 5, strategy: 'pessimistic' });
      // The first booking loads the event from MySQL, takes the lock and seats in Redis and writes to MySQL.
      expect((await book(app.url, event.id, 1, { 'X-Request-Id': 'traced-booking-1' })).status).toBe(201);
      // Its server span carries the request id that its answer and its log lines carry.
      const complete = () => {
        const server = receiver.spans.find((s) => s.kind === SERVER_KIND && s.attributes['http.request.id'] === 'traced-booking-1');
        const trace = receiver.spans.filter((s) => s.traceId === server?.traceId);
        const isDb = (s: ReceivedSpan, system: string) => s.attributes['db.system'] === system || s.attributes['db.system.name'] === system;
        return server && trace.some((s) => isDb(s, 'mysql')) && trace.some((s) => isDb(s, 'redis')) ? trace : undefined;
      };
      await waitFor('a booking trace with HTTP, MySQL and Redis spans', () => complete() !== undefined);
      const trace = complete()!;
      process.stdout.write(
        `[tracing] the booking's trace: ${trace.length} spans: ${[...new Set(trace.map((s) => s.name))].slice(0, 12).join(', ')}\n`,
      );
      // Probes are not traced.
      await fetch(`${app.url}/health/ready`);
      expect(receiver.spans.some((s) => /health/.test(String(s.attributes['http.target'] ?? s.attributes['url.path'] ?? '')))).toBe(false);
    } finally {
      await cleanups.runAll();
    }
  });

  it('without OTEL_EXPORTER_OTLP_ENDPOINT nothing of the SDK is loaded', () => {
    const tracing = join(__dirname, '..', '..', 'dist', 'src', 'platform', 'tracing', 'tracing.js');
    const script = `require(${JSON.stringify(tracing)}).startTracingIfConfigured();
      process.stdout.write(String(Object.keys(require.cache).filter((m) => m.includes('@opentelemetry')).length));`;
    const env = { ...process.env, NODE_ENV: 'test', ADMIN_TOKEN: 'test-admin-token-0123456789', OTEL_EXPORTER_OTLP_ENDPOINT: '' };
    expect(execFileSync(process.execPath, ['-e', script], { env, cwd: join(__dirname, '..', '..') }).toString()).toBe('0');
    const withEndpoint = { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(
      Number(execFileSync(process.execPath, ['-e', script], { env: withEndpoint, cwd: join(__dirname, '..', '..') }).toString()),
    ).toBeGreaterThan(0);
  });
});
