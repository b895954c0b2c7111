import type { KubernetesObject } from './kustomize';

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/**
 * Validates an object against the Kubernetes OpenAPI schema of its apiVersion
 * and kind, as compiled into the `kubernetes-models` package (offline, no
 * cluster). Like kubeconform without -strict, it checks types, enums and
 * required fields but lets unknown fields through: the policy checks
 * (restricted-pod-policy.ts) look for the fields that matter by name.
 */
export function schemaErrors(object: KubernetesObject): string[] {
  const Model = modelFor(object.apiVersion, object.kind);
  if (!Model) return [`${object.kind} ${object.apiVersion}: no schema (unknown kind or apiVersion)`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${object.kind}/${object.metadata?.name}: ${error instanceof Error ? error.message : String(error)}`];
  }
}

/** `apps/v1` → kubernetes-models/apps/v1/Deployment; core `v1` → kubernetes-models/v1/Service. */
function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z]+$/.test(kind)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, ModelClass>;
    return module[kind];
  } catch {
    return undefined;
  }
}
