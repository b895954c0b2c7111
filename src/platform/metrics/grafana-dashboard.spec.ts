import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeatguardMetrics } from './seatguard-metrics';

const DASHBOARD = join(__dirname, '../../../docker/grafana/seatguard-dashboard.json');

/** Registered at module init by PoolUsageMetrics (it needs a live DataSource, so it is not built here). */
const POOL_GAUGES = ['seatguard_db_pool_connections', 'seatguard_redis_watch_pool_connections'];

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

/** The app's names (seatguard_*, and the prom-client defaults process_*, nodejs_*) in a PromQL expression, histogram suffixes folded onto the histogram's name. */
function metricNamesIn(expr: string): string[] {
  return [...expr.matchAll(/\b(?:seatguard|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''));
}

/** Every series name a panel asks for that the app does not export. */
function unknownMetrics(dashboard: { panels: Panel[] }, exported: Set<string>): string[] {
  return dashboard.panels
    .flatMap((p) => p.targets ?? [])
    .flatMap((t) => metricNamesIn(t.expr))
    .filter((name) => !exported.has(name));
}

describe('Grafana dashboard (docker/grafana)', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; uid: string };
  let exported: Set<string>;

  beforeAll(async () => {
    const metrics = new SeatguardMetrics();
    exported = new Set([...(await metrics.registry.getMetricsAsJSON()).map((m) => m.name), ...POOL_GAUGES]);
  });

  it('is JSON with a uid and panels that all query something', () => {
    expect(dashboard.uid).toBe('seatguard-sale');
    const graphs = dashboard.panels.filter((p) => p.type !== 'row');
    expect(graphs.length).toBeGreaterThanOrEqual(10);
    for (const p of graphs) expect(p.targets?.length).toBeGreaterThan(0);
  });

  it('queries only metrics the app exports, and the ones a sale is watched by', () => {
    expect(unknownMetrics(dashboard, exported)).toEqual([]);
    const used = new Set(dashboard.panels.flatMap((p) => p.targets ?? []).flatMap((t) => metricNamesIn(t.expr)));
    for (const name of [
      'seatguard_bookings_total',
      'seatguard_booking_duration_seconds',
      'seatguard_lock_wait_seconds',
      'seatguard_lock_events_total',
      'seatguard_inventory_rebuilds_total',
      'seatguard_seats_returned_total',
      'seatguard_http_request_duration_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
      ...POOL_GAUGES,
    ]) {
      expect(used).toContain(name);
    }
  });

  it('would report a panel that queries a metric the app does not export', () => {
    const broken = { panels: [{ type: 'timeseries', title: 'typo', targets: [{ expr: 'rate(seatguard_bookingz_total[1m])' }] }] };
    expect(unknownMetrics(broken, exported)).toEqual(['seatguard_bookingz_total']);
  });
});
