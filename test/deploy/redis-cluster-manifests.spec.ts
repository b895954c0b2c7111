import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isPinnedImage } from './deployment-rules';
import { KubernetesObject, renderKustomization } from './kustomize';
import { schemaErrors } from './kubernetes-schema';
import { PodSpec, restrictedPodViolations } from './restricted-pod-policy';

const DIR = join(__dirname, '..', '..', 'docker', 'k8s', 'redis-cluster');

type WithPod = KubernetesObject & { spec: { template: { spec: PodSpec & { containers: { image: string; args?: string[] }[] } } } };

/** The example Redis Cluster (docker/k8s/redis-cluster), rendered and checked like the app's manifests. */
describe('Redis Cluster example manifests (docker/k8s/redis-cluster)', () => {
  const rendered = renderKustomization(DIR);
  const withPods = rendered.filter((o): o is WithPod => o.kind === 'StatefulSet' || o.kind === 'Job');

  it('renders a headless Service, a 6-node StatefulSet, its config, a PDB and the create job, in the seatguard namespace', () => {
    expect(rendered.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Job', 'PodDisruptionBudget', 'Service', 'StatefulSet']);
    for (const o of rendered) expect(o.metadata.namespace).toBe('seatguard');
    const service = rendered.find((o) => o.kind === 'Service') as KubernetesObject & { spec: { clusterIP: string } };
    expect(service.spec.clusterIP).toBe('None');
    const set = withPods.find((o) => o.kind === 'StatefulSet') as WithPod & { spec: { replicas: number; serviceName: string } };
    expect({ replicas: set.spec.replicas, serviceName: set.spec.serviceName }).toEqual({ replicas: 6, serviceName: 'redis-cluster' });
  });

  it('matches the Kubernetes schemas', () => {
    expect(rendered.flatMap(schemaErrors)).toEqual([]);
  });

  it('runs every pod under the restricted Pod Security Standard, with pinned images', () => {
    for (const o of withPods) {
      expect({ [o.metadata.name]: restrictedPodViolations(o.spec.template.spec) }).toEqual({ [o.metadata.name]: [] });
      for (const c of o.spec.template.spec.containers) expect(isPinnedImage(c.image)).toBe(true);
    }
  });

  it('configures what the app relies on: cluster mode, nodes announced by DNS name, no eviction', () => {
    const config = (rendered.find((o) => o.kind === 'ConfigMap') as KubernetesObject & { data: Record<string, string> }).data['redis.conf'];
    expect(config).toMatch(/^cluster-enabled yes$/m);
    expect(config).toMatch(/^cluster-preferred-endpoint-type hostname$/m);
    expect(config).toMatch(/^maxmemory-policy noeviction$/m);
  });

  it('ships a secret example holding a placeholder only', () => {
    const secret = parse(readFileSync(join(DIR, 'secret.example.yaml'), 'utf8')) as KubernetesObject & {
      stringData: Record<string, string>;
    };
    expect(schemaErrors(secret)).toEqual([]);
    expect(secret.stringData).toEqual({ password: 'CHANGE_ME' });
  });
});
