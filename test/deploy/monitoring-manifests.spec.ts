import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SeatguardMetrics } from '../../src/platform/metrics/seatguard-metrics';
import { KubernetesObject, renderKustomization } from './kustomize';
import { monitoringSchemaErrors } from './prometheus-operator-schema';

const K8S = join(__dirname, '..', '..', 'docker', 'k8s');

/** Registered at module init by PoolUsageMetrics (it needs a live DataSource). */
const POOL_GAUGES = ['seatguard_db_pool_connections', 'seatguard_redis_watch_pool_connections'];
/**
 * Series the rules refer to before the app exports them (documented in
 * prometheusrule.yaml as coming). Remove a name from here when its exporter
 * lands (the webhook outbox's dead letters have: src/webhooks/).
 */
const COMING: string[] = [];

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
type PrometheusRule = KubernetesObject & { spec: { groups: { name: string; rules: Rule[] }[] } };
type ServiceMonitor = KubernetesObject & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    endpoints: { port: string; path: string; authorization?: { credentials: { name: string; key: string } } }[];
  };
};

/** Series names in a PromQL expression (the app's prefixes and `up`), histogram suffixes folded onto the histogram. */
function seriesIn(expr: string): string[] {
  return [...expr.matchAll(/\b(?:(?:seatguard|process|nodejs)_[a-z0-9_]+|up)\b(?=\s*[{[)\s]|$)/g)].map((m) =>
    m[0].replace(/_(bucket|count|sum)$/, ''),
  );
}

/** (), [] and {} open and close in order (outside quoted strings). */
function bracketsBalanced(expr: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const ch of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('([{'.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0;
}

function unknownSeries(rule: PrometheusRule, known: Set<string>): string[] {
  return rule.spec.groups.flatMap((g) => g.rules).flatMap((r) => seriesIn(r.expr).filter((name) => !known.has(name)));
}

describe('Prometheus Operator manifests (docker/k8s/monitoring)', () => {
  const rendered = renderKustomization(join(K8S, 'monitoring'));
  const app = renderKustomization(K8S);
  const rule = rendered.find((o) => o.kind === 'PrometheusRule') as PrometheusRule;
  const monitor = rendered.find((o) => o.kind === 'ServiceMonitor') as ServiceMonitor;
  const rules = rule.spec.groups.flatMap((g) => g.rules);
  let known: Set<string>;

  beforeAll(async () => {
    const exported = (await new SeatguardMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    known = new Set([...exported, ...POOL_GAUGES, ...COMING, 'up']);
  });

  it('renders a ServiceMonitor and a PrometheusRule in the seatguard namespace, valid for the operator', () => {
    expect(rendered.map((o) => o.kind).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
    for (const o of rendered) expect(o.metadata.namespace).toBe('seatguard');
    expect(rendered.flatMap(monitoringSchemaErrors)).toEqual([]);
  });

  it('scrapes the app Service on a port it has, with the Secret key that holds the admin token', () => {
    const service = app.find((o) => o.kind === 'Service') as KubernetesObject & { spec: { ports: { name: string }[] } };
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(service.spec.ports.map((p) => p.name)).toContain(monitor.spec.endpoints[0].port);
    expect(monitor.spec.endpoints[0].path).toBe('/metrics');
    const secret = parse(readFileSync(join(K8S, 'secret.example.yaml'), 'utf8')) as KubernetesObject & {
      stringData: Record<string, string>;
    };
    expect(monitor.spec.endpoints[0].authorization?.credentials).toEqual({ name: secret.metadata.name, key: 'ADMIN_TOKEN' });
    expect(secret.stringData).toHaveProperty('ADMIN_TOKEN');
  });

  it('alerts on 503 rate, booking p99, lost locks, ambiguous commits, webhook dead letters and queue length', () => {
    const by = (series: string) => rules.filter((r) => seriesIn(r.expr).includes(series)).map((r) => r.alert);
    expect(rules.find((r) => r.expr.includes('status_code="503"'))?.alert).toBe('SeatguardHigh503Rate');
    expect(
      rules.find((r) => r.expr.includes('histogram_quantile(0.99') && r.expr.includes('seatguard_booking_duration_seconds_bucket'))?.alert,
    ).toBe('SeatguardBookingLatencyP99High');
    expect(rules.find((r) => r.expr.includes('seatguard_lock_events_total{event="lost"}'))?.alert).toBe('SeatguardLockLost');
    expect(by('seatguard_ambiguous_commits_total')).toEqual(['SeatguardAmbiguousCommits']);
    expect(by('seatguard_webhook_dead_letters_total')).toEqual(['SeatguardWebhookDeadLetters']);
    expect(by('seatguard_queue_waiting')).toEqual(['SeatguardQueueNotDraining']);
  });

  it('every alert: unique name, severity, summary and description, brackets that close, series that exist (or are coming)', () => {
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect({ [r.alert]: ['critical', 'warning', 'info'].includes(r.labels.severity) }).toEqual({ [r.alert]: true });
      expect({ [r.alert]: Boolean(r.annotations.summary && r.annotations.description) }).toEqual({ [r.alert]: true });
      expect({ [r.alert]: bracketsBalanced(r.expr) }).toEqual({ [r.alert]: true });
      expect({ [r.alert]: seriesIn(r.expr).length > 0 }).toEqual({ [r.alert]: true });
    }
    expect(unknownSeries(rule, known)).toEqual([]);
  });

  describe('catches a broken copy', () => {
    const edited = (edit: (r: Rule) => void): PrometheusRule => {
      const copy = structuredClone(rule);
      edit(copy.spec.groups[0].rules[1]);
      return copy;
    };

    it('a rule on a series the app does not export', () => {
      const broken = edited(
        (r) => (r.expr = r.expr.replaceAll('seatguard_http_request_duration_seconds_count', 'seatguard_http_requests_total')),
      );
      expect(unknownSeries(broken, known)).toEqual(['seatguard_http_requests_total', 'seatguard_http_requests_total']);
    });

    it('a duration the operator refuses, a rule that is neither alert nor record, a bracket left open', () => {
      const broken = edited((r) => {
        r.for = '5 minutes';
        delete (r as Partial<Rule>).alert;
      });
      expect(monitoringSchemaErrors(broken)).toEqual([
        'PrometheusRule/seatguard: spec.groups[0].rules[1] must have exactly one of alert, record',
        'PrometheusRule/seatguard: spec.groups[0].rules[1].for must be a duration',
      ]);
      expect(bracketsBalanced('sum(rate(x[5m])')).toBe(false);
    });

    it('a ServiceMonitor endpoint without a port', () => {
      const copy = structuredClone(monitor);
      copy.spec.endpoints[0].port = '';
      expect(monitoringSchemaErrors(copy)).toEqual(['ServiceMonitor/seatguard: spec.endpoints[0].port must be a port name']);
    });
  });
});
