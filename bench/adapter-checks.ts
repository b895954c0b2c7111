/** Issue 14's targets for the opt-in Fastify adapter, on the medians of one run. */
import type { Target } from './bench-options';
import { group, medianRun, RunRow, TargetCheck } from './report';

/** Least req/s against raw's for each strategy on Fastify (flash); p99 must stay under 2.5× raw's. */
const FASTIFY_FLOORS: [Target, number][] = [
  ['atomic-fastify', 0.6],
  ['optimistic-fastify', 0.45],
  ['pessimistic-fastify', 0.35],
];

export function adapterTargetChecks(rows: RunRow[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const flash = (t: Target) => (group(rows, 'flash', t).length ? medianRun(group(rows, 'flash', t)) : undefined);
  const raw = flash('raw');
  for (const [target, floor] of FASTIFY_FLOORS) {
    const f = flash(target);
    if (raw && f) {
      const speed = f.requestsPerSecond / raw.requestsPerSecond;
      checks.push({ what: `${target} flash req/s vs raw ≥ ${floor}`, value: `${speed.toFixed(2)}×`, met: speed >= floor });
      const p99 = f.latencyMs.p99 / raw.latencyMs.p99;
      checks.push({ what: `${target} flash p99 vs raw < 2.5`, value: `${p99.toFixed(2)}×`, met: p99 < 2.5 });
    }
    const spread = group(rows, 'spread', target);
    if (f && spread.length) {
      const s = medianRun(spread).requestsPerSecond / f.requestsPerSecond;
      checks.push({ what: `${target} spread req/s vs its flash ≥ 1`, value: `${s.toFixed(2)}×`, met: s >= 1 });
    }
    for (const r of rows.filter((x) => x.target === target)) {
      if (r.unsold > 0 || r.oversold || r.doubleSeats || r.statuses['429'] || r.statuses['503'] || r.statuses.other) {
        checks.push({
          what: `${target} ${r.scenario} #${r.repeat}: sold out in one pass, no 429/503/other`,
          value: `${r.sold}/${r.capacity}`,
          met: false,
        });
      }
    }
  }
  return checks;
}
