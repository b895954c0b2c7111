import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * `kubectl kustomize DIR`, parsed: what `kubectl apply -k` would send.
 * kubectl comes from Debian's kubernetes-client where it is missing
 * (scripts/lib.sh ensure_deploy_tools); its kustomize renders these manifests
 * the same from v2.0.3 (kubectl 1.20) to v5.
 */
export function renderKustomization(dir: string): KubernetesObject[] {
  const run = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw new Error(`kubectl not runnable (${run.error.message}); install Debian's kubernetes-client`);
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${run.stderr.trim()}`);
  return parseAllDocuments(run.stdout).map((doc) => {
    if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
    return doc.toJS() as KubernetesObject;
  });
}
