/** Rows, medians, ratios and the checks against the performance targets. */
import { STRATEGY_NAMES } from '../src/domain/inventory/strategies/strategy-name';
import type { DeploymentName, ScenarioName, Target } from './bench-options';
import type { PerBooking } from './component-usage';
import type { StrategyCounters } from './prometheus-delta';

export interface RunRow {
  scenario: ScenarioName;
  target: Target;
  repeat: number;
  requests: number;
  connections: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  wallMs: number;
  /** Time until the last seat sold; null when seats were left unsold. */
  sellOutMs: number | null;
  /** `other`: every request without one of these four answers, including those that got no answer at all. */
  statuses: { '201': number; '409': number; '429': number; '503': number; other: number };
  sold: number;
  capacity: number;
  unsold: number;
  oversold: boolean;
  doubleSeats: boolean;
  violations: string[];
  peakRssMb: number;
  /**
   * CPU (user + system) the server process spent per request of the run, from /proc: on a machine where the load
   * generator, the server, MySQL and Redis share the cores, req/s is bounded by this, whatever the design.
   */
  cpuMsPerRequest: number | null;
  counters: StrategyCounters | null;
  /** A few answers other than 201/409, verbatim. */
  unexpected: string[];
  /** Answers 500–599 other than 503: a server error is a bug in the target (503 is the contract's "try again"). */
  serverErrors: number;
  /** scale only: the topology the app ran on (references always run alone). */
  deployment?: DeploymentName;
  /** scale only: what one sold ticket cost each component (the run's 409s included). */
  perBooking?: PerBooking;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
}

/** The run whose requests/s is the median of its group: its other figures travel with it. */
export function medianRun(rows: RunRow[]): RunRow {
  const s = [...rows].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return s[Math.floor((s.length - 1) / 2)];
}

export function group(rows: RunRow[], scenario: ScenarioName, target: Target, deployment?: DeploymentName): RunRow[] {
  return rows.filter((r) => r.scenario === scenario && r.target === target && r.deployment === deployment);
}

const fmt = (n: number | null, digits = 0) => (n === null || Number.isNaN(n) ? '—' : n.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : '—');

const COLUMNS = [
  'scenario',
  'target',
  'req/s',
  '×raw',
  '×nest',
  'p50',
  'p95',
  'p99',
  'p99×raw',
  'sold-out at',
  '201',
  '409',
  '429',
  '503',
  'other',
  'sold/cap',
  'oversold',
  'double',
  'unsold',
  'peak RSS',
  'CPU/req',
  'counters',
];

function counterText(c: StrategyCounters | null): string {
  if (!c) return '';
  const parts = [`attempts ${c.meanAttempts.toFixed(2)}${c.maxAttemptsAtMost ? ` (max ≤${c.maxAttemptsAtMost})` : ''}`];
  if (c.watchAborts) parts.push(`WATCH aborts ${c.watchAborts}`);
  if (c.lockContended || c.lockExtended || c.lockLost)
    parts.push(`lock contended ${c.lockContended}, extended ${c.lockExtended}, lost ${c.lockLost}`);
  if (c.luaCalls) parts.push(`Lua ${c.luaCalls}`);
  if (c.rebuilds) parts.push(`rebuilds ${c.rebuilds}`);
  if (c.seatsReturned) parts.push(`returned ${c.seatsReturned}`);
  if (c.meanTransactionMs)
    parts.push(`mean booking ${c.meanBookingMs.toFixed(1)} ms, MySQL transaction ${c.meanTransactionMs.toFixed(1)} ms`);
  if (c.meanBatchSize) parts.push(`mean batch ${c.meanBatchSize.toFixed(1)}`);
  if (c.transactionMsPerBooking) parts.push(`MySQL ${c.transactionMsPerBooking.toFixed(2)} ms per booking`);
  return parts.join('; ');
}

/** `nest`: the noop-nest floor of the same scenario (×nest = what the route costs beyond bare Nest). */
export function cells(row: RunRow, raw?: RunRow, nest?: RunRow): string[] {
  return [
    row.scenario,
    row.deployment ? `${row.target} ${row.deployment}` : row.target,
    fmt(row.requestsPerSecond),
    ratio(row.requestsPerSecond, raw?.requestsPerSecond),
    ratio(row.requestsPerSecond, nest?.requestsPerSecond),
    `${fmt(row.latencyMs.p50, 1)} ms`,
    `${fmt(row.latencyMs.p95, 1)} ms`,
    `${fmt(row.latencyMs.p99, 1)} ms`,
    ratio(row.latencyMs.p99, raw?.latencyMs.p99),
    row.sellOutMs === null ? 'not sold out' : `${(row.sellOutMs / 1000).toFixed(2)} s`,
    String(row.statuses['201']),
    String(row.statuses['409']),
    String(row.statuses['429']),
    String(row.statuses['503']),
    String(row.statuses.other),
    `${row.sold}/${row.capacity}`,
    row.oversold ? 'YES' : 'no',
    row.doubleSeats ? 'YES' : 'no',
    String(row.unsold),
    `${fmt(row.peakRssMb)} MB`,
    row.cpuMsPerRequest === null ? '—' : `${row.cpuMsPerRequest.toFixed(2)} ms`,
    counterText(row.counters),
  ];
}

export function textRow(values: string[]): string {
  const widths = [7, 12, 6, 6, 6, 9, 9, 9, 7, 12, 6, 6, 6, 5, 5, 11, 8, 6, 6, 9, 8];
  return values.map((v, i) => (i < widths.length ? v.padEnd(widths[i]) : v)).join(' ');
}

export const textHeader = () => textRow(COLUMNS);

export function markdownTable(rows: string[][]): string {
  const line = (v: string[]) => `| ${v.join(' | ')} |`;
  return [line(COLUMNS), line(COLUMNS.map(() => '---')), ...rows.map(line)].join('\n');
}

export interface TargetCheck {
  what: string;
  value: string;
  met: boolean;
}

/** The issue's targets, evaluated on the medians of this run. */
export function targetChecks(rows: RunRow[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const med = (s: ScenarioName, t: Target) => (group(rows, s, t).length ? medianRun(group(rows, s, t)) : undefined);
  const raw = med('flash', 'raw');
  const add = (what: string, value: number | undefined, met: (v: number) => boolean, unit = '×') => {
    if (value === undefined || Number.isNaN(value)) return;
    checks.push({ what, value: `${value.toFixed(2)}${unit}`, met: met(value) });
  };
  const flash = (t: Target) => med('flash', t);
  if (raw) {
    add('atomic flash req/s vs raw ≥ 0.6', flash('atomic') && flash('atomic')!.requestsPerSecond / raw.requestsPerSecond, (v) => v >= 0.6);
    add('atomic flash p99 vs raw < 2', flash('atomic') && flash('atomic')!.latencyMs.p99 / raw.latencyMs.p99, (v) => v < 2);
    add(
      'optimistic flash req/s vs raw ≥ 0.4',
      flash('optimistic') && flash('optimistic')!.requestsPerSecond / raw.requestsPerSecond,
      (v) => v >= 0.4,
    );
    add('optimistic flash p99 vs raw < 3', flash('optimistic') && flash('optimistic')!.latencyMs.p99 / raw.latencyMs.p99, (v) => v < 3);
    add(
      'pessimistic flash req/s vs raw ≥ 0.25',
      flash('pessimistic') && flash('pessimistic')!.requestsPerSecond / raw.requestsPerSecond,
      (v) => v >= 0.25,
    );
  }
  const nest = flash('noop-nest');
  if (nest) {
    add(
      'Express: app-live (cheapest full-pipeline route) req/s vs noop-nest ≥ 0.8',
      flash('app-live') && flash('app-live')!.requestsPerSecond / nest.requestsPerSecond,
      (v) => v >= 0.8,
    );
    add(
      'Express: atomic flash req/s vs noop-nest ≥ 0.6',
      flash('atomic') && flash('atomic')!.requestsPerSecond / nest.requestsPerSecond,
      (v) => v >= 0.6,
    );
  }
  const atomic = flash('atomic');
  if (atomic)
    add(
      'event-read req/s vs atomic booking ≥ 3',
      flash('event-read') && flash('event-read')!.requestsPerSecond / atomic.requestsPerSecond,
      (v) => v >= 3,
    );
  const pf = flash('pessimistic');
  const ps = med('spread', 'pessimistic');
  if (pf && ps) add('pessimistic spread req/s vs its flash ≥ 2', ps.requestsPerSecond / pf.requestsPerSecond, (v) => v >= 2);
  for (const t of STRATEGY_NAMES) {
    const f = flash(t);
    const sc = group(rows, 'scale', t, '1x-redis').length ? medianRun(group(rows, 'scale', t, '1x-redis')) : undefined;
    if (f && sc) add(`${t} scale wall time vs flash ≤ 4.5`, sc.wallMs / f.wallMs, (v) => v <= 4.5);
    for (const r of rows.filter((x) => x.target === t)) {
      if (r.unsold > 0 || r.oversold || r.doubleSeats || r.statuses['429'] || r.statuses['503'] || r.statuses.other) {
        checks.push({
          what: `${t} ${r.scenario} #${r.repeat}: sold out in one pass, no 429/503/other`,
          value: `${r.sold}/${r.capacity}`,
          met: false,
        });
      }
    }
    for (const s of ['flash', 'spread'] as const) {
      const runs = group(rows, s, t);
      if (runs.length >= 3) {
        const growth = runs[runs.length - 1].peakRssMb / runs[0].peakRssMb;
        add(`${t} ${s} peak RSS, last run vs first ≤ 1.10`, growth, (v) => v <= 1.1);
      }
    }
  }
  return checks;
}

const SCALE_COLUMNS = [
  'deployment',
  'target',
  'req/s',
  '×raw',
  'p99',
  'app CPU ms',
  'HAProxy CPU ms',
  'Redis ops',
  'MySQL commits',
  'MySQL statements',
];

/** The scale scenario's per-component table: each figure per sold ticket. */
export function scaleTable(rows: RunRow[], raw?: RunRow): string {
  const line = (v: string[]) => `| ${v.join(' | ')} |`;
  const body = rows.map((r) =>
    line([
      r.deployment ?? '',
      r.target,
      fmt(r.requestsPerSecond),
      ratio(r.requestsPerSecond, raw?.requestsPerSecond),
      `${fmt(r.latencyMs.p99, 1)} ms`,
      fmt(r.perBooking?.appCpuMs ?? NaN, 2),
      fmt(r.perBooking?.lbCpuMs ?? NaN, 2),
      fmt(r.perBooking?.redisOps ?? NaN, 1),
      fmt(r.perBooking?.mysqlCommits ?? NaN, 2),
      fmt(r.perBooking?.mysqlStatements ?? NaN, 1),
    ]),
  );
  return [line(SCALE_COLUMNS), line(SCALE_COLUMNS.map(() => '---')), ...body].join('\n');
}

/** How many answers of a run were server errors (5xx other than 503), from its status counts. */
export function serverErrorCount(statusCounts: Record<string, number>): number {
  return Object.entries(statusCounts)
    .filter(([status]) => status.startsWith('5') && status !== '503')
    .reduce((n, [, count]) => n + count, 0);
}
