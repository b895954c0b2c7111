import type { KubernetesObject } from './kustomize';

/**
 * The fields of the Prometheus Operator's ServiceMonitor and PrometheusRule
 * (monitoring.coreos.com/v1) these manifests use, checked by hand:
 * kubernetes-models has no types for CRDs. Types, required fields and formats
 * as the operator's CRD schemas state them; unknown fields pass, as with the
 * core schemas (kubernetes-schema.ts).
 */
export function monitoringSchemaErrors(object: KubernetesObject): string[] {
  const where = `${object.kind}/${object.metadata?.name}`;
  if (object.apiVersion !== 'monitoring.coreos.com/v1')
    return [`${where}: apiVersion ${object.apiVersion} is not monitoring.coreos.com/v1`];
  const errors: string[] = [];
  const check = (ok: boolean, message: string) => void (ok || errors.push(`${where}: ${message}`));
  const spec = object.spec as Record<string, unknown> | undefined;
  check(isObject(spec), 'spec must be an object');
  if (!isObject(spec)) return errors;

  if (object.kind === 'ServiceMonitor') {
    const selector = spec.selector;
    check(isObject(selector) && isStringMap(selector.matchLabels), 'spec.selector.matchLabels must map strings to strings');
    const endpoints = spec.endpoints;
    check(Array.isArray(endpoints) && endpoints.length > 0, 'spec.endpoints must be a non-empty array');
    for (const [i, e] of (Array.isArray(endpoints) ? endpoints : []).entries()) {
      const at = `spec.endpoints[${i}]`;
      if (!isObject(e)) {
        check(false, `${at} must be an object`);
        continue;
      }
      check(typeof e.port === 'string' && e.port !== '', `${at}.port must be a port name`);
      check(e.path === undefined || (typeof e.path === 'string' && e.path.startsWith('/')), `${at}.path must start with /`);
      for (const field of ['interval', 'scrapeTimeout'])
        check(e[field] === undefined || isDuration(e[field]), `${at}.${field} must be a duration`);
      if (e.authorization !== undefined) {
        const auth = e.authorization as Record<string, unknown>;
        const credentials = auth.credentials as Record<string, unknown> | undefined;
        check(auth.type === undefined || typeof auth.type === 'string', `${at}.authorization.type must be a string`);
        check(
          isObject(credentials) && typeof credentials.name === 'string' && typeof credentials.key === 'string',
          `${at}.authorization.credentials must name a Secret and a key`,
        );
      }
    }
    return errors;
  }

  if (object.kind === 'PrometheusRule') {
    const groups = spec.groups;
    check(Array.isArray(groups) && groups.length > 0, 'spec.groups must be a non-empty array');
    for (const [g, group] of (Array.isArray(groups) ? groups : []).entries()) {
      const at = `spec.groups[${g}]`;
      if (!isObject(group) || typeof group.name !== 'string' || !Array.isArray(group.rules)) {
        check(false, `${at} must have a name and rules`);
        continue;
      }
      for (const [r, rule] of group.rules.entries()) {
        const ruleAt = `${at}.rules[${r}]`;
        if (!isObject(rule)) {
          check(false, `${ruleAt} must be an object`);
          continue;
        }
        check((typeof rule.alert === 'string') !== (typeof rule.record === 'string'), `${ruleAt} must have exactly one of alert, record`);
        check(typeof rule.expr === 'string' && rule.expr.trim() !== '', `${ruleAt}.expr must be a non-empty string`);
        check(rule.for === undefined || isDuration(rule.for), `${ruleAt}.for must be a duration`);
        check(rule.labels === undefined || isStringMap(rule.labels), `${ruleAt}.labels must map strings to strings`);
        check(rule.annotations === undefined || isStringMap(rule.annotations), `${ruleAt}.annotations must map strings to strings`);
      }
    }
    return errors;
  }
  return [`${where}: no schema for kind ${object.kind}`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringMap(value: unknown): boolean {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** Prometheus durations as the CRDs' pattern has them: 30s, 1m, 1h30m, 500ms. */
function isDuration(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/.test(value) &&
    value !== ''
  );
}
