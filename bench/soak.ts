/**
 * npm run soak: minutes of mixed bookings, cancellations and reads over many
 * events while an admin keeps switching their strategies, against the app as
 * in production in its own process. It passes when no answer was anything but
 * 200/201/409, docs/design.md §1 holds for every event from MySQL and Redis, the app
 * logged no error, and its RSS at the end is within a bound of its RSS after
 * warm-up. `--control` runs every event on `unsafe` and must fail.
 */
import { config as loadDotenv } from 'dotenv';
import Redis from 'ioredis';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rssKb } from '../tools/process-control';
import { adminHeaders, benchEnvironment, checkEvents, createEvent, PRODUCTION_SETTINGS, Server, startServer } from './app-under-load';
import { scrape } from './prometheus-delta';
import { mysqlPool } from './references/reference-server';
import { parseSoakOptions, SOAK_STRATEGIES, SoakOptions } from './soak-options';
import { Buyer, HeldBookings, SoakEvent, switchStrategies, Tally } from './soak-traffic';

loadDotenv({ quiet: true });

interface MemorySample {
  second: number;
  rssMb: number;
  heapUsedMb: number;
  requestsPerSecond: number;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * RSS swings with the garbage collector's cycle (tens of MB on this app), so
 * one reading at each end could call a sawtooth a leak. The verdict compares
 * the median of the first third of the readings after warm-up with the median
 * of the last third.
 */
function rssGrowth(samples: MemorySample[]): { early: number; late: number; growth: number } {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const early = Math.round(median(samples.slice(0, third).map((s) => s.rssMb)) * 10) / 10;
  const late = Math.round(median(samples.slice(-third).map((s) => s.rssMb)) * 10) / 10;
  return { early, late, growth: late / early - 1 };
}

const percent = (share: number) => `${share >= 0 ? '+' : ''}${Math.round(share * 1000) / 10} %`;

function appSettings(o: SoakOptions): NodeJS.ProcessEnv {
  if (!o.control) return PRODUCTION_SETTINGS;
  // Production has no unsafe strategy: the control run is the test harness's build of the app.
  return { ...PRODUCTION_SETTINGS, NODE_ENV: 'development', UNSAFE_DELAY_MS: '5' };
}

/** Capacities from 20 to 400 and every fifth event with a per-customer limit, so SOLD_OUT and CUSTOMER_LIMIT_REACHED both occur. */
async function createSoakEvents(app: Server, o: SoakOptions, strategies: readonly string[]) {
  const events: SoakEvent[] = [];
  const current = new Map<number, string>();
  for (let i = 0; i < o.events; i++) {
    const capacity = 20 + ((i * 37) % 381);
    const strategy = strategies[i % strategies.length];
    const id = await createEvent(app.url, {
      name: `soak ${i + 1}`,
      capacity,
      strategy,
      ...(i % 5 === 4 ? { maxPerCustomer: 4 } : {}),
    });
    events.push({ id, capacity });
    current.set(id, strategy);
  }
  return { events, current };
}

/** Pino writes one JSON line per entry; level 50 and above are errors. */
function appErrorLines(output: string): string[] {
  return output.split('\n').filter((line) => /"level":(5\d|60)\b/.test(line));
}

async function main(): Promise<number> {
  const o = parseSoakOptions(process.argv.slice(2));
  const strategies: readonly string[] = o.control ? ['unsafe'] : SOAK_STRATEGIES;
  const env = benchEnvironment();
  const db = mysqlPool(env, 4);
  const redis = new Redis(env.REDIS_URL!);
  await redis.flushdb();
  let app: Server | undefined;
  try {
    app = await startServer(o.control ? 'test/support/controls/main.js' : 'src/main.js', { ...env, ...appSettings(o) });
    const { events, current } = await createSoakEvents(app, o, strategies);
    const seats = events.reduce((sum, e) => sum + e.capacity, 0);
    console.log(
      `seatguard soak${o.control ? ' (CONTROL: unsafe strategy)' : ''}: ${o.seconds} s, ${events.length} events (${seats} seats), ` +
        `${o.concurrency} buyers, ${Math.round(o.cancelShare * 100)} % cancellations, strategies ${strategies.join('/')} switched every ${o.switchEveryMs} ms`,
    );

    const tally = new Tally();
    const held = new HeldBookings();
    const started = Date.now();
    const until = started + o.seconds * 1000;
    const plan = { baseUrl: app.url, events, cancelShare: o.cancelShare, customers: 300, replayShare: 0.1, until };
    const buyers = Array.from({ length: o.concurrency }, () => new Buyer(plan, held, tally).run());

    let switches = Promise.resolve();
    const switcher =
      strategies.length > 1
        ? setInterval(() => {
            switches = switches
              .then(() => switchStrategies(app!.url, events, current, strategies, 5, tally))
              .catch((e) => tally.error(`switch failed: ${e}`));
          }, o.switchEveryMs)
        : undefined;

    const samples: MemorySample[] = [];
    let lastRequests = 0;
    let lastAt = started;
    const sample = async () => {
      const metrics = await scrape(app!.url, adminHeaders());
      const now = Date.now();
      const s: MemorySample = {
        second: Math.round((now - started) / 1000),
        rssMb: mb((rssKb(app!.proc.pid) ?? 0) * 1024),
        heapUsedMb: mb(metrics.get('nodejs_heap_size_used_bytes') ?? 0),
        requestsPerSecond: Math.round((tally.requests - lastRequests) / ((now - lastAt) / 1000)),
      };
      lastRequests = tally.requests;
      lastAt = now;
      samples.push(s);
      console.log(
        `  t=${String(s.second).padStart(4)} s  rss ${s.rssMb} MB  heap ${s.heapUsedMb} MB  ${s.requestsPerSecond} req/s  ` +
          `held ${held.size}  errors ${tally.errorCount}`,
      );
      return s;
    };

    await sleep(o.warmupSeconds * 1000);
    const atStart = await sample();
    const sampler = setInterval(() => void sample().catch(() => undefined), 15_000);
    await Promise.all(buyers);
    clearInterval(sampler);
    clearInterval(switcher);
    await switches;
    const atEnd = await sample();
    const elapsed = (Date.now() - started) / 1000;

    const { sold, violations } = await checkEvents(db, redis, events, held.all());
    const appErrors = appErrorLines(app.proc.output());
    const { early, late, growth } = rssGrowth(samples);
    const memoryStable = growth <= o.rssGrowthLimit;

    console.log(`\nanswers in ${Math.round(elapsed)} s (${Math.round(tally.requests / elapsed)} req/s):`);
    for (const [what, n] of [...tally.counts].sort()) console.log(`  ${what.padEnd(34)} ${n}`);
    console.log(
      `strategy switches: ${tally.count('switch 200')}; bookings held at the end: ${held.size}; tickets in MySQL: ${sold} of ${seats} seats`,
    );
    console.log(
      `app memory: RSS ${atStart.rssMb} MB after warm-up (t=${atStart.second} s) -> ${atEnd.rssMb} MB at the end; ` +
        `heap used ${atStart.heapUsedMb} -> ${atEnd.heapUsedMb} MB; peak RSS ${Math.max(...samples.map((s) => s.rssMb))} MB\n` +
        `  median RSS first third ${early} MB -> last third ${late} MB (${percent(growth)}, limit ${percent(o.rssGrowthLimit)})`,
    );
    for (const e of tally.errors) console.log(`  ERROR ${e}`);
    for (const v of violations.slice(0, 20)) console.log(`  VIOLATION ${v}`);
    for (const line of appErrors.slice(0, 5)) console.log(`  APP ERROR ${line.slice(0, 300)}`);

    mkdirSync(o.outDir, { recursive: true });
    const file = join(o.outDir, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const report = {
      options: o,
      elapsedSeconds: elapsed,
      counts: Object.fromEntries(tally.counts),
      errors: tally.errors,
      errorCount: tally.errorCount,
      sold,
      seats,
      violations,
      appErrors: appErrors.length,
      samples,
      memoryStable,
    };
    writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`report: ${file}`);

    const failures = [
      tally.errorCount ? `${tally.errorCount} answer(s) other than 200/201/409` : '',
      violations.length ? `${violations.length} invariant violation(s)` : '',
      appErrors.length ? `${appErrors.length} error line(s) in the app's log` : '',
      memoryStable ? '' : `median RSS grew ${percent(growth)} (limit ${percent(o.rssGrowthLimit)})`,
    ].filter(Boolean);
    if (failures.length) {
      console.log(`\nSOAK FAILED: ${failures.join('; ')}`);
      return 1;
    }
    console.log('\nsoak passed: only 200/201/409 answers, invariants held on every event, no app error, memory stable');
    return 0;
  } finally {
    await app?.proc.stop();
    await redis.quit();
    await db.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
