import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ManagedProcess, startProcess } from './process-control';

export interface LoadBalancer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The address HAProxy connects to the instances from: what their TRUST_PROXY names. */
  sourceAddress: string;
  pid: number;
  stop(): Promise<void>;
}

export interface LoadBalancerOptions {
  /** Where HAProxy connects to the instances from (a loopback alias), so they can trust it and nothing else. */
  sourceAddress?: string;
  /**
   * Client connections it takes at once (4096 unless set). Each costs two file descriptors (client and
   * instance side), so it is bounded by half of `ulimit -n`: long-lived streams may need several balancers.
   */
  maxConnections?: number;
}

/** Where Debian's haproxy package puts it; `scripts/lib.sh` (ensure_load_balancer) installs it when missing. */
const HAPROXY = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';

/**
 * A real load balancer in front of app instances, as an ingress or a cloud LB
 * is: HAProxy (Debian's package) on a free port with a generated config,
 * round robin over `upstreams`, health-checking /health/ready (an instance
 * that is not ready gets no traffic), and appending the client's socket
 * address to X-Forwarded-For. One thread: the machine has two cores to share.
 */
export async function startLoadBalancer(upstreams: string[], options: LoadBalancerOptions = {}): Promise<LoadBalancer> {
  const sourceAddress = options.sourceAddress ?? '127.0.0.3';
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'seatguard-lb-'));
  const servers = upstreams.map((upstream, i) => {
    const { hostname, port: upstreamPort } = new URL(upstream);
    return `  server app${i} ${hostname}:${upstreamPort} check`;
  });
  const config = [
    'global',
    '  nbthread 1',
    `  maxconn ${options.maxConnections ?? 4096}`,
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    // Appends the client's address to any X-Forwarded-For it brought (a forged one stays to its left).
    '  option forwardfor',
    '  option http-server-close',
    'frontend seatguard',
    `  bind 127.0.0.1:${port}`,
    '  default_backend instances',
    'backend instances',
    '  balance roundrobin',
    '  option httpchk GET /health/ready',
    '  http-check expect status 200',
    // A busy instance answers its readiness late, not never: only a refused or failing check takes it out
    // (without this, a check slower than `inter` under a burst marks a healthy instance down).
    '  timeout check 3s',
    `  default-server inter 500ms fall 2 rise 1 source ${sourceAddress}`,
    ...servers,
    '',
  ].join('\n');
  const configFile = join(dir, 'haproxy.cfg');
  await writeFile(configFile, config);
  // -db: stay in the foreground (a child we can stop), no daemon.
  const proc: ManagedProcess = startProcess(HAPROXY, ['-db', '-f', configFile], process.env);
  const stop = async () => {
    await proc.stop('SIGTERM', 3000);
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exited()) {
      await stop();
      throw new Error(`haproxy exited:\n${proc.output()}\n${config}`);
    }
    if (
      await fetch(`${url}/health/live`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, sourceAddress, pid: proc.pid, stop };
    await sleep(50);
  }
  await stop();
  throw new Error(`haproxy did not answer on ${port}:\n${proc.output()}`);
}
