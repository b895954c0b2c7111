import type { Target } from './bench-options';
import { group, medianRun, RunRow, TargetCheck } from './report';

/**
 * Issue 19's targets (group commit), from the flash medians of one run:
 * batched atomic ≥ 1.0× raw on Fastify and ≥ 0.8× on Express, p99 ≤ 1.5×
 * raw's; batched optimistic and pessimistic ≥ 0.6× raw on Fastify;
 * event-read ≥ 0.9× noop-nest on Express; every batched run sold out in one
 * pass with no 429/503/other.
 */
export function batchingTargetChecks(rows: RunRow[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const flash = (t: Target) => (group(rows, 'flash', t).length ? medianRun(group(rows, 'flash', t)) : undefined);
  const ratio = (what: string, a: number | undefined, b: number | undefined, met: (v: number) => boolean) => {
    if (a === undefined || b === undefined || !b) return;
    const v = a / b;
    checks.push({ what, value: `${v.toFixed(2)}×`, met: met(v) });
  };
  const raw = flash('raw');
  const floors: [Target, number][] = [
    ['atomic-batched-fastify', 1.0],
    ['atomic-batched', 0.8],
    ['optimistic-batched-fastify', 0.6],
    ['pessimistic-batched-fastify', 0.6],
  ];
  for (const [target, floor] of floors) {
    const row = flash(target);
    ratio(`${target} flash req/s vs raw ≥ ${floor}`, row?.requestsPerSecond, raw?.requestsPerSecond, (v) => v >= floor);
  }
  for (const target of ['atomic-batched', 'atomic-batched-fastify'] as const) {
    ratio(`${target} flash p99 vs raw ≤ 1.5`, flash(target)?.latencyMs.p99, raw?.latencyMs.p99, (v) => v <= 1.5);
  }
  ratio(
    'Express: event-read req/s vs noop-nest ≥ 0.9',
    flash('event-read')?.requestsPerSecond,
    flash('noop-nest')?.requestsPerSecond,
    (v) => v >= 0.9,
  );
  for (const r of rows.filter((x) => x.target.includes('-batched'))) {
    if (r.unsold > 0 || r.oversold || r.doubleSeats || r.statuses['429'] || r.statuses['503'] || r.statuses.other) {
      checks.push({
        what: `${r.target} ${r.scenario} #${r.repeat}: sold out in one pass, no 429/503/other`,
        value: `${r.sold}/${r.capacity}`,
        met: false,
      });
    }
  }
  return checks;
}
