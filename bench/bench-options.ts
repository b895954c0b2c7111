import { parseArgs } from 'node:util';
import { STRATEGY_NAMES, type StrategyName } from '../src/domain/inventory/strategies/strategy-name';

/** Every production strategy is a bench target, on each adapter, one at a time and batched (from STRATEGY_NAMES). */
const fastify = <T extends string>(targets: readonly T[]) => targets.map((t) => `${t}-fastify` as const);
const STRATEGY_TARGETS: readonly StrategyName[] = STRATEGY_NAMES;
const BATCHED_STRATEGY_TARGETS = STRATEGY_NAMES.map((s) => `${s}-batched` as const);

/** What runs without --targets: the floors, the references and the app's own targets on the default adapter (Express). */
export const TARGETS = ['noop-http', 'noop-nest', 'app-live', 'event-read', 'raw', 'lock-or-429', ...STRATEGY_TARGETS] as const;
/** The app's own targets run with HTTP_ADAPTER=fastify: only when asked for (--targets, or --adapters). */
export const FASTIFY_TARGETS = ['app-live-fastify', 'event-read-fastify', ...fastify(STRATEGY_TARGETS)] as const;
/**
 * The strategies with group commit on (issue 19): an app started with BOOKING_BATCH_MAX=BENCH_BATCH_MAX.
 * The plain strategy targets run with BOOKING_BATCH_MAX=1 (one booking at a time), so both are in one table.
 */
export const BATCHED_TARGETS = [...BATCHED_STRATEGY_TARGETS, ...fastify(BATCHED_STRATEGY_TARGETS)] as const;
/**
 * Webhooks (issue 24): the same app and strategy as the target without `-webhooks`, with one webhook endpoint
 * registered for the run (a local receiver answering 204), so every booking writes its outbox row and the
 * app's worker delivers it during the load: the outbox's cost on the booking path, beside the same target without.
 */
export const WEBHOOK_TARGETS = ['atomic-webhooks', 'atomic-batched-webhooks'] as const;
/** Bookings per batch at most on the batched targets' app. */
export const BENCH_BATCH_MAX = 256;
export type Target =
  (typeof TARGETS)[number] | (typeof FASTIFY_TARGETS)[number] | (typeof BATCHED_TARGETS)[number] | (typeof WEBHOOK_TARGETS)[number];
const KNOWN_TARGETS: readonly Target[] = [...TARGETS, ...FASTIFY_TARGETS, ...BATCHED_TARGETS, ...WEBHOOK_TARGETS];
/** The app's own targets on the default adapter; each has a `-fastify` twin. */
const APP_TARGETS: readonly Target[] = ['app-live', 'event-read', ...STRATEGY_TARGETS, ...BATCHED_STRATEGY_TARGETS];
/** Servers of their own that book (raw, lock-or-429) or only answer (the two no-op floors). */
export const REFERENCES: readonly Target[] = ['raw', 'lock-or-429', 'noop-http', 'noop-nest'];
/** Targets that sell nothing: the floors and the app's read and no-op routes; measured for throughput only. */
export const NON_BOOKING: readonly Target[] = [
  'noop-http',
  'noop-nest',
  'app-live',
  'event-read',
  'app-live-fastify',
  'event-read-fastify',
];

/** HTTP_ADAPTER of the app a target runs on: `atomic` is Express, `atomic-fastify` Fastify. */
export const ADAPTERS = ['express', 'fastify'] as const;
export type Adapter = (typeof ADAPTERS)[number];

export function targetAdapter(target: Target): Adapter {
  return target.endsWith('-fastify') ? 'fastify' : 'express';
}

/** The target without its adapter: the event's strategy for `atomic-fastify` is `atomic`. */
export function targetBase(target: Target): Target {
  return target.replace(/-fastify$/, '') as Target;
}

/** The event's strategy of a booking target: `atomic` for `atomic-batched-fastify`. */
export function targetStrategy(target: Target): string {
  return targetBase(target)
    .replace(/-webhooks$/, '')
    .replace(/-batched$/, '');
}

/** Whether the target runs with a webhook endpoint registered (the outbox written and delivered). */
export const targetWebhooks = (target: Target): boolean => targetBase(target).endsWith('-webhooks');

/** Whether the target runs on the app with group commit on. */
export const targetBatched = (target: Target): boolean =>
  targetBase(target)
    .replace(/-webhooks$/, '')
    .endsWith('-batched');

/** Each of the app's targets on each of `adapters` (references stay as they are), in the given order. */
function onAdapters(targets: Target[], adapters: Adapter[]): Target[] {
  const out = new Set<Target>();
  for (const t of targets) {
    const base = targetBase(t);
    if (!APP_TARGETS.includes(base)) out.add(t);
    else for (const a of adapters) out.add((a === 'fastify' ? `${base}-fastify` : base) as Target);
  }
  return [...out];
}

export const SCENARIOS = ['flash', 'spread', 'scale'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** What `scale` runs the strategies on (bench/deployment.ts): instances behind HAProxy × one Redis or a cluster. */
export const DEPLOYMENTS = ['1x-redis', '3x-redis', '1x-cluster', '3x-cluster'] as const;
export type DeploymentName = (typeof DEPLOYMENTS)[number];

export interface BenchOptions {
  quick: boolean;
  scenarios: ScenarioName[];
  targets: Target[];
  repeat: number;
  /** flash: requests and seats of the one event. */
  requests: number;
  seats: number;
  connections: number;
  /** spread: events the same load is split over. */
  events: number;
  /** scale: flash multiplied by this, spread over `events` events, once per deployment. */
  scale: number;
  deployments: DeploymentName[];
  outDir: string;
  /** Run the app under --cpu-prof and summarise the profile at the end. */
  profile: boolean;
  /** Control run: the app's targets book on the test harness's `unsafe` strategy; the run must then fail its invariant check. */
  control: boolean;
}

const HELP = `npm run bench -- [options]
  --quick                 small smoke run: 400 requests, 100 seats, 20 connections, 1 repeat
  --scenarios=a,b         of ${SCENARIOS.join(', ')} (default all)
  --targets=a,b           of ${KNOWN_TARGETS.join(', ')}
                          (default ${TARGETS.join(', ')})
  --adapters=a,b          run each of the app's targets on these HTTP adapters, of ${ADAPTERS.join(', ')}
                          (default express; --adapters=express,fastify measures both in one run; scale's
                          deployments run Express only)
  --repeat=N              runs of each scenario and target, reported as medians (default 3)
  --requests=N --seats=N  flash size (default 20000 requests for 5000 seats)
  --connections=N         concurrent keep-alive connections (default 200)
  --events=N              events the spread scenario splits the load over (default 20)
  --scale=N               scale = flash with N times the requests and seats, over --events events (default 4)
  --deployments=a,b       what scale runs the strategies on, of ${DEPLOYMENTS.join(', ')}: 1 or 3 instances
                          behind HAProxy, one redis-server or a Redis Cluster (3+3) (default all; --quick: 1x-redis)
  --out=DIR               where JSON results go (default bench/results)
  --profile               run the app with --cpu-prof; prints where its CPU time went
  --control               every booking target of the app books on the unsafe strategy (the test harness's build):
                          shows the invariant check catches an oversell, so the run must fail (flash and spread only)`;

function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string, fallback = allowed): T[] {
  if (!value) return [...fallback];
  const items = value.split(',').map((s) => s.trim()) as T[];
  const unknown = items.filter((i) => !allowed.includes(i));
  if (unknown.length) throw new Error(`unknown ${what}: ${unknown.join(', ')} (known: ${allowed.join(', ')})`);
  return items;
}

/** A command-line number that must be positive (and whole unless `integer` is false); `fallback` when absent. */
export function positive(value: string | undefined, fallback: number, name: string, integer = true): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  }
  return n;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      targets: { type: 'string' },
      adapters: { type: 'string' },
      repeat: { type: 'string' },
      requests: { type: 'string' },
      seats: { type: 'string' },
      connections: { type: 'string' },
      events: { type: 'string' },
      scale: { type: 'string' },
      deployments: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'boolean', default: false },
      control: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const options: BenchOptions = {
    quick,
    scenarios: list(values.scenarios, SCENARIOS, 'scenario'),
    targets: values.adapters
      ? onAdapters(list(values.targets, KNOWN_TARGETS, 'target', TARGETS), list(values.adapters, ADAPTERS, 'adapter'))
      : list(values.targets, KNOWN_TARGETS, 'target', TARGETS),
    repeat: positive(values.repeat, quick ? 1 : 3, 'repeat'),
    requests: positive(values.requests, quick ? 400 : 20000, 'requests'),
    seats: positive(values.seats, quick ? 100 : 5000, 'seats'),
    connections: positive(values.connections, quick ? 20 : 200, 'connections'),
    events: positive(values.events, quick ? 4 : 20, 'events'),
    scale: positive(values.scale, 4, 'scale'),
    deployments: values.deployments || !quick ? list(values.deployments, DEPLOYMENTS, 'deployment') : ['1x-redis'],
    outDir: values.out ?? 'bench/results',
    profile: values.profile ?? false,
    control: values.control ?? false,
  };
  // The deployments of `scale` run the production build, which has no unsafe strategy.
  if (options.control && options.scenarios.includes('scale')) throw new Error('--control runs the flash and spread scenarios only');
  if (options.seats % options.events !== 0)
    throw new Error(`--seats (${options.seats}) must split evenly over --events (${options.events})`);
  return options;
}

export interface Scenario {
  name: ScenarioName;
  events: number;
  seatsPerEvent: number;
  requests: number;
  connections: number;
  /** The app's events book on `unsafe` (--control). */
  control: boolean;
}

export function scenario(name: ScenarioName, o: BenchOptions): Scenario {
  switch (name) {
    case 'flash':
      return { name, events: 1, seatsPerEvent: o.seats, requests: o.requests, connections: o.connections, control: o.control };
    case 'spread':
      return {
        name,
        events: o.events,
        seatsPerEvent: o.seats / o.events,
        requests: o.requests,
        connections: o.connections,
        control: o.control,
      };
    case 'scale':
      // Several events, so that on a cluster every master has hot slots.
      return {
        name,
        events: o.events,
        seatsPerEvent: (o.seats * o.scale) / o.events,
        requests: o.requests * o.scale,
        connections: o.connections,
        control: o.control,
      };
  }
}
