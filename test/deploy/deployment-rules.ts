import type { KubernetesObject } from './kustomize';
import { PodSpec, restrictedPodViolations } from './restricted-pod-policy';

interface Rendered {
  find(kind: string): KubernetesObject[];
}

function index(objects: KubernetesObject[]): Rendered {
  return { find: (kind) => objects.filter((o) => o.kind === kind) };
}

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** An image reference that names a release: a version tag or a digest, never `latest` or nothing. */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  return tag !== undefined && tag !== 'latest';
}

/**
 * What this project requires of its rendered manifests beyond the schema: pods
 * that pass the restricted Pod Security Standard, a drained shutdown, pinned
 * images, an HPA, a NetworkPolicy, and no secret material.
 */
export function deploymentRuleViolations(objects: KubernetesObject[]): string[] {
  const rendered = index(objects);
  const problems: string[] = [];
  const deployments = rendered.find('Deployment');
  if (deployments.length !== 1) return [`expected one Deployment, found ${deployments.length}`];
  const deployment = deployments[0] as Spec;
  const pod = deployment.spec.template.spec as PodSpec & Spec;

  problems.push(...restrictedPodViolations(pod));
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])] as Spec[]) {
    if (!isPinnedImage(String(c.image))) problems.push(`container ${c.name} image ${c.image} is not a pinned release`);
  }

  const config = (rendered.find('ConfigMap')[0] as Spec | undefined)?.data ?? {};
  const api = pod.containers[0] as Spec;
  const preStopSeconds = Number(api.lifecycle?.preStop?.exec?.command?.[1] ?? api.lifecycle?.preStop?.sleep?.seconds ?? 0);
  if (preStopSeconds <= 0) problems.push('the API container has no preStop pause for load balancers to drain');
  const drainSeconds = preStopSeconds + Number(config.SHUTDOWN_GRACE_MS ?? 10000) / 1000;
  if (!(pod.terminationGracePeriodSeconds > drainSeconds)) {
    problems.push(`terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} <= preStop + SHUTDOWN_GRACE_MS (${drainSeconds} s)`);
  }
  if (!pod.topologySpreadConstraints?.length) problems.push('no topology spread');
  if (!config.TRUST_PROXY) problems.push('ConfigMap sets no TRUST_PROXY for the ingress hop');
  for (const key of ['ADMIN_TOKEN', 'DB_PASSWORD', 'REDIS_URL', 'REDLOCK_NODES']) {
    if (key in config) problems.push(`ConfigMap carries ${key} (secret material or a Redis password)`);
  }
  if (rendered.find('Secret').length) problems.push('a Secret is rendered: secrets are created out of band');

  const hpa = rendered.find('HorizontalPodAutoscaler')[0] as Spec | undefined;
  if (hpa?.spec.scaleTargetRef?.name !== deployment.metadata.name) problems.push('no HPA scales the Deployment');
  else if (!hpa?.spec.metrics?.some((m: Spec) => m.resource?.name === 'cpu')) problems.push('the HPA does not scale on CPU');
  if (hpa && deployment.spec.replicas !== undefined) problems.push('the Deployment sets replicas, which fights the HPA on every apply');

  const appLabels = deployment.spec.selector.matchLabels as Record<string, string>;
  const policies = rendered.find('NetworkPolicy') as Spec[];
  const guarded = policies.some(
    (p) =>
      Object.entries(p.spec.podSelector?.matchLabels ?? {}).every(([k, v]) => appLabels[k] === v) &&
      p.spec.policyTypes?.includes('Ingress') &&
      (p.spec.ingress ?? []).every((rule: Spec) => rule.from?.length),
  );
  if (!guarded) problems.push('no NetworkPolicy limits who reaches the pods');
  return problems;
}
