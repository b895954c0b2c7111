import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import calculateSlot from 'cluster-key-slot';
import Redis, { RedisOptions } from 'ioredis';
import { freePort, ManagedProcess, startProcess } from './process-control';
import { harnessTls, redisTlsArgs } from './redis-server';
import type { TestCertificates } from './tls-certificates';

const run = promisify(execFile);

export interface ClusterNodeInfo {
  port: number;
  role: 'master' | 'replica';
  /** `[first, last]` slot ranges served (masters only). */
  slots: [number, number][];
  failed: boolean;
}

export interface LocalRedisCluster {
  /** `127.0.0.1:port` (`rediss://127.0.0.1:port` for a TLS cluster) of every node, for REDIS_CLUSTER_NODES. */
  seeds: string[];
  /** The node serving `key`'s slot now, as a live node sees the cluster. */
  masterOf(key: string): Promise<number>;
  /** Gone at once, like a crashed host (nothing on disk). */
  kill(port: number): Promise<void>;
  /** Waits until the cluster serves every slot again with `port` no longer a master of them. */
  waitForFailover(deadPort: number, timeoutMs?: number): Promise<void>;
  nodes(): Promise<ClusterNodeInfo[]>;
  stop(): Promise<void>;
}

const NODE_TIMEOUT_MS = 1000;

/**
 * A throw-away Redis Cluster of 3 masters + 3 replicas on free ports, for the
 * failover drill and the bench: `redis-server --cluster-enabled yes` six
 * times, `redis-cli --cluster create ... --cluster-replicas 1`, then waits for
 * `cluster_state:ok` on every node and a replica in sync behind every master.
 * A 1 s node timeout makes a killed master's replica take over in ~2 s.
 */
export async function startRedisCluster(options: { tls?: TestCertificates } = {}): Promise<LocalRedisCluster> {
  // TLS: clients, the cluster bus and replication all speak it; nothing listens in clear.
  const tls = harnessTls(options.tls);
  const certificates = options.tls;
  const listen = (port: number) =>
    certificates ? [...redisTlsArgs(port, certificates), '--tls-cluster', 'yes', '--tls-replication', 'yes'] : ['--port', String(port)];
  const cliTls = certificates ? ['--tls', '--cacert', certificates.caFile] : [];
  const ask = <T>(port: number, use: (client: Redis) => Promise<T>) => askNode(port, tls, use);
  const readNodes = (port: number) => readNodesOf(port, tls);
  const dir = await mkdtemp(join(tmpdir(), 'seatguard-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) ports.push(await freePort());
  const procs = new Map<number, ManagedProcess>();
  const stop = async () => {
    await Promise.allSettled([...procs.values()].map((p) => p.stop('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      procs.set(
        port,
        startProcess(
          'redis-server',
          [
            ...listen(port),
            '--bind',
            '127.0.0.1',
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            dir,
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            String(NODE_TIMEOUT_MS),
          ],
          process.env,
        ),
      );
    }
    for (const port of ports) await waitForPing(port, procs.get(port)!, tls);
    await run(
      'redis-cli',
      [...cliTls, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'],
      {
        timeout: 30_000,
      },
    );
    await waitUntil('cluster_state:ok with every replica in sync', 30_000, async () => {
      for (const port of ports) {
        const info = await ask(port, (c) => c.cluster('INFO'));
        if (!info.includes('cluster_state:ok')) return false;
      }
      const nodes = await readNodes(ports[0]);
      const replicasInSync = await Promise.all(
        nodes
          .filter((n) => n.role === 'replica')
          .map((n) => ask(n.port, (c) => c.info('replication')).then((i) => i.includes('master_link_status:up'))),
      );
      return nodes.filter((n) => n.role === 'master').length === 3 && replicasInSync.length === 3 && replicasInSync.every(Boolean);
    });
  } catch (error) {
    const logs = [...procs.entries()].map(([port, p]) => `--- ${port}\n${p.output().slice(-1000)}`).join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\n${logs}`, { cause: error });
  }

  const live = () => ports.filter((p) => !procs.get(p)!.exited());
  const nodes = () => readNodes(live()[0]);
  const masterOf = async (key: string) => {
    const slot = calculateSlot(key);
    const owner = (await nodes()).find((n) => n.role === 'master' && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!owner) throw new Error(`no master serves slot ${slot}`);
    return owner.port;
  };
  return {
    seeds: ports.map((p) => (certificates ? `rediss://127.0.0.1:${p}` : `127.0.0.1:${p}`)),
    masterOf,
    nodes,
    kill: async (port) => void (await procs.get(port)?.stop('SIGKILL')),
    waitForFailover: (deadPort, timeoutMs = 20_000) =>
      waitUntil(`a replica promoted in place of ${deadPort}`, timeoutMs, async () => {
        for (const port of live()) {
          const info = await ask(port, (c) => c.cluster('INFO'));
          if (!info.includes('cluster_state:ok')) return false;
        }
        const masters = (await nodes()).filter((n) => n.role === 'master' && !n.failed);
        return masters.length === 3 && masters.every((m) => m.port !== deadPort);
      }),
    stop,
  };
}

/** CLUSTER NODES as one live node sees it. */
async function readNodesOf(port: number, tls: RedisOptions): Promise<ClusterNodeInfo[]> {
  const text = await askNode(port, tls, (c) => c.cluster('NODES') as Promise<string>);
  return text
    .trim()
    .split('\n')
    .map((line) => {
      // <id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot> <slot> ...
      const [, address, flags, , , , , , ...slots] = line.split(' ');
      const flagList = flags.split(',');
      return {
        port: Number(/:(\d+)@/.exec(address)![1]),
        role: flagList.includes('master') ? ('master' as const) : ('replica' as const),
        failed: flagList.includes('fail') || flagList.includes('fail?'),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [a, b] = s.split('-').map(Number);
            return [a, b ?? a] as [number, number];
          }),
      };
    });
}

async function askNode<T>(port: number, tls: RedisOptions, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    ...tls,
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    commandTimeout: 2000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

async function waitForPing(port: number, proc: ManagedProcess, tls: RedisOptions): Promise<void> {
  await waitUntil(`redis-server on ${port}`, 10_000, async () => {
    if (proc.exited()) throw new Error(`redis-server ${port} exited:\n${proc.output()}`);
    return (await askNode(port, tls, (c) => c.ping())) === 'PONG';
  });
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
      if ((error as Error).message.includes('exited')) throw error;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
