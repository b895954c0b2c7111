import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { deploymentRuleViolations, isPinnedImage } from './deployment-rules';
import { KubernetesObject, renderKustomization } from './kustomize';
import { schemaErrors } from './kubernetes-schema';
import { restrictedPodViolations } from './restricted-pod-policy';

const K8S = join(__dirname, '..', '..', 'docker', 'k8s');

/** docker/k8s copied to a temp dir with `edit` applied to one file, rendered. */
function renderEdited(file: string, edit: (text: string) => string): KubernetesObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'seatguard-k8s-'));
  try {
    cpSync(K8S, dir, { recursive: true });
    const path = join(dir, file);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error(`the edit changed nothing in ${file}`);
    writeFileSync(path, after);
    return renderKustomization(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Kubernetes manifests (docker/k8s, rendered by kustomize)', () => {
  const rendered = renderKustomization(K8S);

  it('renders every kind the deployment needs, in the seatguard namespace', () => {
    expect(rendered.map((o) => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'Namespace',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    for (const o of rendered.filter((o) => o.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('seatguard');
  });

  it('matches the Kubernetes schemas', () => {
    expect(rendered.flatMap(schemaErrors)).toEqual([]);
  });

  it('passes the restricted Pod Security Standard and the deployment rules', () => {
    expect(deploymentRuleViolations(rendered)).toEqual([]);
    const namespace = rendered.find((o) => o.kind === 'Namespace');
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('ships a secret example that holds placeholders only, never a usable value', () => {
    const secret = parse(readFileSync(join(K8S, 'secret.example.yaml'), 'utf8')) as KubernetesObject & {
      stringData: Record<string, string>;
    };
    expect(schemaErrors(secret)).toEqual([]);
    expect(Object.keys(secret.stringData).sort()).toEqual(['ADMIN_TOKEN', 'DB_PASSWORD', 'REDIS_URL', 'REDLOCK_NODES']);
    for (const value of Object.values(secret.stringData)) expect(value).toContain('CHANGE_ME');
    expect(secret.stringData.REDIS_URL).toMatch(/^redis:\/\/:CHANGE_ME@/);
  });

  describe('catches a broken copy', () => {
    it('a value of the wrong type (schema)', () => {
      const broken = renderEdited('hpa.yaml', (t) => t.replace('minReplicas: 3', 'minReplicas: three'));
      expect(broken.flatMap(schemaErrors).join('\n')).toMatch(/minReplicas must be integer/);
    });

    it('an unknown kind (schema)', () => {
      const broken = renderEdited('pdb.yaml', (t) => t.replace('kind: PodDisruptionBudget', 'kind: PodDisruptionBudgit'));
      expect(broken.flatMap(schemaErrors).join('\n')).toMatch(/PodDisruptionBudgit policy\/v1: no schema/);
    });

    it('a pod without the seccomp profile, or allowed to escalate (restricted PSS)', () => {
      const broken = renderEdited('deployment.yaml', (t) =>
        t
          .replaceAll('seccompProfile: { type: RuntimeDefault }', '')
          .replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true'),
      );
      expect(deploymentRuleViolations(broken)).toEqual(
        expect.arrayContaining([
          'container api has no RuntimeDefault/Localhost seccomp profile',
          'container migrate has no RuntimeDefault/Localhost seccomp profile',
          'container migrate allows privilege escalation',
        ]),
      );
    });

    it('a grace period shorter than preStop + the app drain, and an unpinned image', () => {
      const shortGrace = renderEdited('deployment.yaml', (t) =>
        t.replace('terminationGracePeriodSeconds: 40', 'terminationGracePeriodSeconds: 30'),
      );
      expect(deploymentRuleViolations(shortGrace)).toEqual(['terminationGracePeriodSeconds 30 <= preStop + SHUTDOWN_GRACE_MS (30 s)']);
      const latest = renderEdited('kustomization.yaml', (t) => t.replace('newTag: "0.1.0"', 'newTag: latest'));
      expect(deploymentRuleViolations(latest).join('\n')).toMatch(/image registry.example.com\/seatguard:latest is not a pinned release/);
    });

    it('a resource the kustomization lists but does not have', () => {
      expect(() => renderEdited('kustomization.yaml', (t) => t.replace('  - pdb.yaml', '  - pdb.yaml\n  - missing.yaml'))).toThrow(
        /kubectl kustomize .* failed/,
      );
    });

    it('pinned images: versions and digests yes, latest or none no', () => {
      expect(['seatguard:0.1.0', 'r.example/seatguard@sha256:' + 'a'.repeat(64), 'host:5000/seatguard:1'].map(isPinnedImage)).toEqual([
        true,
        true,
        true,
      ]);
      expect(['seatguard', 'seatguard:latest', 'host:5000/seatguard'].map(isPinnedImage)).toEqual([false, false, false]);
    });

    it('a bare pod spec, on every rule it leaves unset', () => {
      expect(restrictedPodViolations({ containers: [{ name: 'c' }] })).toEqual([
        'pod mounts a service-account token',
        'container c allows privilege escalation',
        'container c may run as root',
        'container c has no RuntimeDefault/Localhost seccomp profile',
        'container c does not drop ALL capabilities',
        'container c has a writable root filesystem',
      ]);
    });
  });
});
