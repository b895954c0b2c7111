/**
 * The "restricted" Pod Security Standard, checked on a pod spec as the
 * admission controller would (kubernetes.io/docs/concepts/security/pod-security-standards),
 * plus what this project adds: a read-only root filesystem and no service-account token.
 */

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  procMount?: string;
}

interface Container {
  name: string;
  ports?: { hostPort?: number }[];
  securityContext?: SecurityContext;
}

export interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  automountServiceAccountToken?: boolean;
  securityContext?: SecurityContext;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Record<string, unknown>[];
}

const ALLOWED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);

export function restrictedPodViolations(pod: PodSpec): string[] {
  const problems: string[] = [];
  const podContext = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push('pod shares a host namespace');
  if (pod.automountServiceAccountToken !== false) problems.push('pod mounts a service-account token');
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (!type || !ALLOWED_VOLUME_TYPES.has(type)) problems.push(`volume ${String(volume.name)} is of type ${type}`);
  }
  if (podContext.runAsUser === 0) problems.push('pod runs as uid 0');
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    const ctx = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (ctx.privileged) problems.push(`${where} is privileged`);
    if (ctx.allowPrivilegeEscalation !== false) problems.push(`${where} allows privilege escalation`);
    if ((ctx.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push(`${where} may run as root`);
    if (ctx.runAsUser === 0) problems.push(`${where} runs as uid 0`);
    if (!SECCOMP_OK.has(ctx.seccompProfile?.type ?? podContext.seccompProfile?.type ?? '')) {
      problems.push(`${where} has no RuntimeDefault/Localhost seccomp profile`);
    }
    if (!ctx.capabilities?.drop?.includes('ALL')) problems.push(`${where} does not drop ALL capabilities`);
    const added = (ctx.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length) problems.push(`${where} adds capabilities ${added.join(',')}`);
    if (ctx.procMount && ctx.procMount !== 'Default') problems.push(`${where} has procMount ${ctx.procMount}`);
    if ((c.ports ?? []).some((p) => p.hostPort)) problems.push(`${where} uses a hostPort`);
    if (ctx.readOnlyRootFilesystem !== true) problems.push(`${where} has a writable root filesystem`);
  }
  return problems;
}
