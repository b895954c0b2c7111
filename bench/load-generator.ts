/**
 * The load generator, run as its own process so its CPU is not the server's
 * event loop. Reads one LoadPlan (JSON) from argv, fires it with autocannon
 * over keep-alive connections, prints one LoadResult (JSON) on stdout.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';

export interface LoadPlan {
  baseUrl: string;
  /** Requests go round-robin over these events. */
  eventIds: number[];
  requests: number;
  connections: number;
  quantity: number;
  /** Instead of bookings: this method to these paths, round-robin (the floor references and the app's read routes). */
  fixed?: { method: 'GET' | 'POST'; paths: string[] };
}

export interface LoadResult {
  durationMs: number;
  statusCounts: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** From the first request sent to the last 201 received. */
  lastCreatedMs: number | null;
  /** Bodies of the 201 answers, for checking what buyers were told against MySQL. */
  created: string[];
  /** A few bodies of answers other than 201 and 409 (up to 3 per status), to say what went wrong. */
  unexpected: string[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const latencies = new Float64Array(plan.requests);
  let answered = 0;
  const statusCounts: Record<string, number> = {};
  const created: string[] = [];
  const unexpected: string[] = [];
  // A few samples of each unexpected status, so a rare 500 is not hidden behind the first five 429s.
  const sampled = new Map<number, number>();
  const sample = (status: number, text: string) => {
    const seen = sampled.get(status) ?? 0;
    if (seen >= 3) return;
    sampled.set(status, seen + 1);
    unexpected.push(text);
  };
  let lastCreatedAt: number | null = null;
  let lastAnswerAt = 0;
  let sent = 0;
  const paths = plan.fixed?.paths ?? plan.eventIds.map((id) => `/api/v1/events/${id}/bookings`);

  const started = performance.now();
  let finish!: (result: autocannon.Result) => void;
  let fail!: (error: Error) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const instance = autocannon(
    {
      url: plan.baseUrl,
      connections: plan.connections,
      amount: plan.requests,
      timeout: 30,
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          method: plan.fixed?.method ?? 'POST',
          setupRequest: (request) => {
            const n = sent++;
            const body =
              plan.fixed?.method === 'GET' ? undefined : `{"customerEmail":"buyer${n}@bench.example","quantity":${plan.quantity}}`;
            return { ...request, path: paths[n % paths.length], body };
          },
          onResponse: (status, body) => {
            if (plan.fixed) {
              if (status >= 400) sample(status, `${status}: ${body.slice(0, 300)}`);
            } else if (status === 201) {
              created.push(body);
              lastCreatedAt = performance.now();
            } else if (status !== 409)
              sample(status, `${status} at ${((performance.now() - started) / 1000).toFixed(2)} s: ${body.slice(0, 300)}`);
          },
        },
      ],
    },
    (error: Error | null, result) => (error ? fail(error) : finish(result)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (answered < latencies.length) latencies[answered++] = responseTime;
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    lastAnswerAt = performance.now();
  });
  await done;
  // autocannon notices the end only on its 1 s sampling tick: time the last answer instead.
  const durationMs = (lastAnswerAt || performance.now()) - started;
  const sorted = latencies.subarray(0, answered).sort();
  return {
    durationMs,
    statusCounts,
    latencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: percentile(sorted, 100) },
    lastCreatedMs: lastCreatedAt === null ? null : lastCreatedAt - started,
    created,
    unexpected,
  };
}

if (require.main === module) {
  const plan = JSON.parse(process.argv[2]) as LoadPlan;
  runLoad(plan).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
