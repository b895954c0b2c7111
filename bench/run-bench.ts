/**
 * npm run bench: the app as in production plus the two reference servers, each
 * driven in turn by a separate load-generator process; invariants checked
 * from MySQL after every run; a table on stdout and JSON under bench/results.
 */
import { config as loadDotenv } from 'dotenv';
import Redis from 'ioredis';
import { Pool, RowDataPacket } from 'mysql2/promise';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Answer } from '../tools/invariants/sale-invariants';
import { RssSampler } from '../tools/process-control';
import { adminHeaders, benchEnvironment, checkEvents, createEvent, DIST, PRODUCTION_SETTINGS, Server, startServer } from './app-under-load';
import { summarizeProfile } from './cpu-profile-summary';
import {
  BenchOptions,
  NON_BOOKING,
  parseBenchOptions,
  REFERENCES,
  Scenario,
  scenario,
  Target,
  targetAdapter,
  targetBase,
  targetBatched,
  targetStrategy,
  targetWebhooks,
  BENCH_BATCH_MAX,
} from './bench-options';
import { cpuMs, perBooking, snapshot } from './component-usage';
import { Deployment, startDeployment } from './deployment';
import type { LoadPlan, LoadResult } from './load-generator';
import { Samples, scrape, strategyCounters } from './prometheus-delta';
import { adapterTargetChecks } from './adapter-checks';
import { batchingTargetChecks } from './batching-checks';
import { withWebhookEndpoint } from './webhook-sink';
import { mysqlPool } from './references/reference-server';
import { cells, group, markdownTable, medianRun, RunRow, scaleTable, serverErrorCount, targetChecks, textHeader, textRow } from './report';

loadDotenv({ quiet: true });
const run = promisify(execFile);

/** Every instance's counters added up (a deployment's instances share the load). */
async function scrapeAll(urls: string[]): Promise<Samples> {
  const total: Samples = new Map();
  for (const samples of await Promise.all(urls.map((url) => scrape(url, adminHeaders())))) {
    for (const [key, value] of samples) total.set(key, (total.get(key) ?? 0) + value);
  }
  return total;
}

async function createEvents(app: { url: string }, s: Scenario, strategy: string, label: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < s.events; i++) {
    ids.push(await createEvent(app.url, { name: `bench ${label} ${i + 1}`, capacity: s.seatsPerEvent, strategy }));
  }
  return ids;
}

async function generateLoad(plan: LoadPlan): Promise<LoadResult> {
  const { stdout } = await run(process.execPath, [join(DIST, 'bench', 'load-generator.js'), JSON.stringify(plan)], {
    maxBuffer: 512 * 1024 * 1024,
  });
  return JSON.parse(stdout) as LoadResult;
}

/**
 * `app` runs on Express (the default), `app-fastify` with HTTP_ADAPTER=fastify, started only when a target needs it;
 * both book one at a time. `app-batched(-fastify)`: the same with group commit on (the `-batched` targets).
 */
type AppServerName = 'app' | 'app-fastify' | 'app-batched' | 'app-batched-fastify';
type ServerName = AppServerName | 'raw' | 'lock-or-429' | 'noop-http' | 'noop-nest';

const appServerOf = (target: Target): AppServerName =>
  `app${targetBatched(target) ? '-batched' : ''}${targetAdapter(target) === 'fastify' ? '-fastify' : ''}` as AppServerName;

/** The app process a target of the app runs on. */
const appFor = (target: Target, servers: Record<ServerName, Server>): Server => servers[appServerOf(target)];

/** The floors and the app's cheapest routes: throughput only, nothing sold. */
async function runNonBooking(s: Scenario, target: Target, repeat: number, servers: Record<ServerName, Server>): Promise<RunRow> {
  const server = target === 'noop-http' || target === 'noop-nest' ? servers[target] : appFor(target, servers);
  const base = targetBase(target);
  let fixed: { method: 'GET' | 'POST'; paths: string[] };
  if (base === 'app-live') fixed = { method: 'GET', paths: ['/health/live'] };
  else if (base === 'event-read')
    fixed = {
      method: 'GET',
      paths: (await createEvents(server, s, 'atomic', `${s.name} read #${repeat}`)).map((id) => `/api/v1/events/${id}`),
    };
  else fixed = { method: 'POST', paths: ['/noop'] };
  const rss = new RssSampler(server.proc.pid);
  const cpuBefore = cpuMs(server.proc.pid);
  const load = await generateLoad({
    baseUrl: server.url,
    eventIds: [],
    requests: s.requests,
    connections: s.connections,
    quantity: 1,
    fixed,
  });
  const peakKb = rss.stop();
  const cpuMsPerRequest = (cpuMs(server.proc.pid) - cpuBefore) / s.requests;
  const c = load.statusCounts;
  const ok = Object.entries(c)
    .filter(([status]) => status.startsWith('2'))
    .reduce((n, [, count]) => n + count, 0);
  return {
    scenario: s.name,
    target,
    repeat,
    requests: s.requests,
    connections: s.connections,
    requestsPerSecond: s.requests / (load.durationMs / 1000),
    latencyMs: load.latencyMs,
    wallMs: load.durationMs,
    sellOutMs: null,
    // For these targets the 201 column counts every 2xx answer.
    statuses: {
      '201': ok,
      '409': c['409'] ?? 0,
      '429': c['429'] ?? 0,
      '503': c['503'] ?? 0,
      other: s.requests - ok - (c['409'] ?? 0) - (c['429'] ?? 0) - (c['503'] ?? 0),
    },
    sold: 0,
    capacity: 0,
    unsold: 0,
    oversold: false,
    doubleSeats: false,
    violations: [],
    peakRssMb: peakKb / 1024,
    cpuMsPerRequest,
    counters: null,
    unexpected: load.unexpected,
    serverErrors: serverErrorCount(c),
  };
}

async function runOne(
  s: Scenario,
  target: Target,
  repeat: number,
  servers: Record<ServerName, Server>,
  db: Pool,
  redis: Redis,
  deployment?: Deployment,
): Promise<RunRow> {
  if (NON_BOOKING.includes(target)) return runNonBooking(s, target, repeat, servers);
  const isReference = REFERENCES.includes(target);
  const app = appFor(target, servers);
  const server = isReference ? servers[target as 'raw' | 'lock-or-429'] : (deployment?.apps[0] ?? app);
  const entry = deployment?.url ?? server.url;
  const appUrls = deployment ? deployment.apps.map((a) => a.url) : [app.url];
  // Reference events live in the same tables; the app builds their Redis inventory at creation.
  const eventIds = await createEvents(
    deployment ?? app,
    s,
    isReference ? 'atomic' : s.control ? 'unsafe' : targetStrategy(target),
    `${s.name} ${target} #${repeat}`,
  );
  const before = isReference ? null : await scrapeAll(appUrls);
  const usage = async () =>
    deployment &&
    snapshot(
      deployment.apps.map((a) => a.proc.pid),
      deployment.lb.pid,
      await deployment.redisPorts(),
      db,
    );
  const usageBefore = await usage();
  const rss = new RssSampler(server.proc.pid);
  const cpuBefore = cpuMs(server.proc.pid);
  const plan: LoadPlan = { baseUrl: entry, eventIds, requests: s.requests, connections: s.connections, quantity: 1 };
  const load = targetWebhooks(target) ? await withWebhookEndpoint(db, () => generateLoad(plan)) : await generateLoad(plan);
  const peakKb = rss.stop();
  // One instance's CPU says nothing of a deployment's: scale rows carry their per-ticket figures instead.
  const cpuMsPerRequest = deployment ? null : (cpuMs(server.proc.pid) - cpuBefore) / s.requests;
  const usageAfter = await usage();
  const counters = before ? strategyCounters(before, await scrapeAll(appUrls), targetStrategy(target)) : null;

  const created: Answer[] = load.created.map((body) => ({ status: 201, body: JSON.parse(body) as Answer['body'] }));
  const capacity = s.seatsPerEvent * s.events;
  const events = eventIds.map((id) => ({ id, capacity: s.seatsPerEvent }));
  const inventory = target === 'lock-or-429' ? undefined : ((deployment?.redis ?? redis) as Redis);
  const { sold, violations } = await checkEvents(db, inventory, events, created);
  const c = load.statusCounts;
  const known = (c['201'] ?? 0) + (c['409'] ?? 0) + (c['429'] ?? 0) + (c['503'] ?? 0);
  return {
    scenario: s.name,
    target,
    repeat,
    requests: s.requests,
    connections: s.connections,
    requestsPerSecond: s.requests / (load.durationMs / 1000),
    latencyMs: load.latencyMs,
    wallMs: load.durationMs,
    sellOutMs: sold === capacity ? load.lastCreatedMs : null,
    statuses: { '201': c['201'] ?? 0, '409': c['409'] ?? 0, '429': c['429'] ?? 0, '503': c['503'] ?? 0, other: s.requests - known },
    sold,
    capacity,
    unsold: capacity - sold,
    oversold: violations.some((v) => v.includes('oversold')),
    doubleSeats: violations.some((v) => v.includes('double seat')),
    violations: violations.slice(0, 20),
    peakRssMb: peakKb / 1024,
    cpuMsPerRequest,
    counters,
    unexpected: load.unexpected,
    serverErrors: serverErrorCount(c),
    deployment: deployment?.name,
    perBooking: usageBefore && usageAfter ? perBooking(usageBefore, usageAfter, c['201'] ?? 0) : undefined,
  };
}

/**
 * One scenario's runs of one repeat. `scale` runs the references alone (as
 * everywhere: the ×raw yardstick) and the strategies on each deployment, one
 * deployment up at a time.
 */
async function runScenario(
  o: BenchOptions,
  name: Scenario['name'],
  repeat: number,
  servers: Record<ServerName, Server>,
  db: Pool,
  redis: Redis,
  report: (row: RunRow) => void,
): Promise<void> {
  const s = scenario(name, o);
  // The deployments run the default adapter: a -fastify strategy target is not run on them.
  // Nor a -batched one (the deployments' instances run the app's default batching).
  const strategies = o.targets.filter(
    (t) => !REFERENCES.includes(t) && !NON_BOOKING.includes(t) && targetAdapter(t) === 'express' && !targetBatched(t) && !targetWebhooks(t),
  );
  for (const target of name === 'scale' ? o.targets.filter((t) => REFERENCES.includes(t)) : o.targets) {
    report(await runOne(s, target, repeat, servers, db, redis));
  }
  if (name !== 'scale') return;
  for (const deploymentName of o.deployments) {
    const deployment = await startDeployment(deploymentName, benchEnvironment());
    try {
      for (const target of strategies) report(await runOne(s, target, repeat, servers, db, redis, deployment));
    } finally {
      await deployment.stop();
    }
  }
}

async function machine(db: Pool, redis: Redis) {
  const [[mysql]] = await db.query<RowDataPacket[]>('SELECT VERSION() AS version');
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    mysql: mysql.version as string,
    redis: redisVersion,
  };
}

function printProfile(dir: string, pid: number | undefined): void {
  const file = readdirSync(dir).find((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'));
  if (!file) return console.error(`no CPU profile of the app found in ${dir}`);
  console.log(`\nCPU profile of the app: ${join(dir, file)}\n${summarizeProfile(join(dir, file))}`);
}

async function main(): Promise<number> {
  const o = parseBenchOptions(process.argv.slice(2));
  const env = benchEnvironment();
  const db = mysqlPool(env, 4);
  const redis = new Redis(env.REDIS_URL!);
  await redis.flushdb();
  const profileDir = join(o.outDir, 'profiles');
  const servers: Partial<Record<ServerName, Server>> = {};
  const rows: RunRow[] = [];
  try {
    const host = await machine(db, redis);
    console.log(
      `seatguard bench${o.control ? ' (CONTROL: unsafe strategy, must fail)' : ''}: ${host.cpus} × ${host.cpuModel}, ${host.memoryGiB} GiB, Node ${host.node}, MySQL ${host.mysql}, Redis ${host.redis}`,
    );
    console.log(`load generator, app, MySQL and Redis share this machine; ${o.repeat} run(s) of each; medians below\n`);
    const profiling = o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const oneAtATime = { BOOKING_BATCH_MAX: '1' };
    const batched = { BOOKING_BATCH_MAX: String(BENCH_BATCH_MAX) };
    // The control run's app is the test harness's build (production has no unsafe strategy), as the soak's control.
    const appScript = o.control ? 'test/support/controls/main.js' : 'src/main.js';
    const appSettings = o.control ? { ...PRODUCTION_SETTINGS, NODE_ENV: 'development', UNSAFE_DELAY_MS: '5' } : PRODUCTION_SETTINGS;
    servers.app = await startServer(appScript, { ...env, ...appSettings, ...oneAtATime, HTTP_ADAPTER: 'express' }, profiling);
    const appsNeeded = new Set(o.targets.filter((t) => !REFERENCES.includes(t)).map(appServerOf));
    for (const name of ['app-fastify', 'app-batched', 'app-batched-fastify'] as const) {
      if (!appsNeeded.has(name)) continue;
      const adapter = name.endsWith('-fastify') ? 'fastify' : 'express';
      const batching = name.startsWith('app-batched') ? batched : oneAtATime;
      servers[name] = await startServer(appScript, { ...env, ...appSettings, ...batching, HTTP_ADAPTER: adapter }, profiling);
    }
    const wanted = (t: Target) => o.targets.includes(t);
    if (wanted('raw')) servers.raw = await startServer('bench/references/raw-server.js', env);
    if (wanted('lock-or-429')) servers['lock-or-429'] = await startServer('bench/references/lock-or-429-server.js', env);
    if (wanted('noop-http')) servers['noop-http'] = await startServer('bench/references/noop-http-server.js', env);
    if (wanted('noop-nest')) servers['noop-nest'] = await startServer('bench/references/noop-nest-server.js', env);

    console.log(textHeader());
    for (let repeat = 1; repeat <= o.repeat; repeat++) {
      for (const name of o.scenarios) {
        await runScenario(o, name, repeat, servers as Record<ServerName, Server>, db, redis, (row) => {
          rows.push(row);
          console.log(textRow([...cells(row)].map((v, i) => (i === 0 ? `${v}#${repeat}` : v))));
          for (const v of row.violations) console.log(`    VIOLATION ${v}`);
          for (const u of row.unexpected) console.log(`    answered ${u}`);
        });
      }
    }

    const medians: string[][] = [];
    for (const name of o.scenarios) {
      const raw = group(rows, name, 'raw').length ? medianRun(group(rows, name, 'raw')) : undefined;
      const nest = group(rows, name, 'noop-nest').length ? medianRun(group(rows, name, 'noop-nest')) : undefined;
      for (const target of o.targets) {
        if (group(rows, name, target).length) medians.push(cells(medianRun(group(rows, name, target)), raw, nest));
        for (const d of o.deployments) {
          if (group(rows, name, target, d).length) medians.push(cells(medianRun(group(rows, name, target, d)), raw, nest));
        }
      }
    }
    console.log(`\nMedians of ${o.repeat} (ratios against the references' medians in the same scenario):\n`);
    console.log(textHeader());
    for (const m of medians) console.log(textRow(m));
    const checks = o.quick ? [] : [...targetChecks(rows), ...adapterTargetChecks(rows), ...batchingTargetChecks(rows)];
    if (checks.length) {
      console.log('\nTargets:');
      for (const c of checks) console.log(`  ${c.met ? 'met    ' : 'NOT MET'} ${c.what}: ${c.value}`);
    }

    mkdirSync(o.outDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(o.outDir, `bench-${stamp}.json`);
    writeFileSync(file, JSON.stringify({ machine: host, options: o, rows, checks }, null, 2));
    writeFileSync(join(o.outDir, 'latest.md'), `${markdownTable(medians)}\n`);
    const scaleRows = o.deployments.flatMap((d) =>
      o.targets.flatMap((t) => (group(rows, 'scale', t, d).length ? [medianRun(group(rows, 'scale', t, d))] : [])),
    );
    if (scaleRows.length) {
      const raw = group(rows, 'scale', 'raw').length ? medianRun(group(rows, 'scale', 'raw')) : undefined;
      const table = scaleTable(scaleRows, raw);
      console.log(`\nscale: what one sold ticket costs each component (medians; MySQL counters are server-wide):\n\n${table}`);
      writeFileSync(join(o.outDir, 'latest-scale.md'), `${table}\n`);
    }
    console.log(`\nresults: ${file} (and latest.md)`);

    const runName = (r: RunRow) => `${r.scenario}/${r.target}#${r.repeat}`;
    const broken = rows.filter((r) => r.violations.length > 0);
    // A target answering 500 measures nothing (a broken reference once answered every request with one): the run fails.
    const erring = rows.filter((r) => r.serverErrors > 0);
    if (erring.length) {
      console.error(`\nSERVER ERRORS (5xx other than 503) in ${erring.length} run(s): ${erring.map(runName).join(', ')}`);
    }
    if (broken.length) console.error(`\nINVARIANTS BROKEN in ${broken.length} run(s): ${broken.map(runName).join(', ')}`);
    if (broken.length || erring.length) return 1;
    console.log('\ninvariants held in every run: no oversell, no double seat, every 201 matches MySQL');
    return 0;
  } finally {
    await Promise.all(Object.values(servers).map((s) => s?.proc.stop()));
    await redis.quit();
    await db.end();
    if (o.profile) {
      for (const name of ['app', 'app-fastify', 'app-batched', 'app-batched-fastify'] as const) {
        if (servers[name]) {
          console.log(`\n== ${name}`);
          printProfile(profileDir, servers[name].proc.pid);
        }
      }
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
