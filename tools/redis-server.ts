import Redis, { RedisOptions } from 'ioredis';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ManagedProcess, startProcess } from './process-control';
import type { TestCertificates } from './tls-certificates';

export interface ExtraRedis {
  url: string;
  port: number;
  /** Gone at once, like a crashed node (keeps nothing, unless started `persistent`). */
  kill(): Promise<void>;
  /** A new server on the same port: empty, or (`persistent`) with everything it had acknowledged. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Makes the running server refuse writes while still answering reads, the
   * way a real one does when it is short of replicas (`NOREPLICAS`) or of
   * memory (`OOM`).
   */
  refuseWrites(reason: WriteRefusal): Promise<void>;
  /** Takes writes again (the settings `refuseWrites` changed are put back). */
  acceptWrites(): Promise<void>;
}

export type WriteRefusal = 'NOREPLICAS' | 'OOM';

/**
 * The CONFIG settings behind each refusal. With `min-replicas-to-write 1` and
 * no replica attached, every write is refused with NOREPLICAS. With
 * `maxmemory 1` the server is always over its limit, and `noeviction` makes it
 * refuse commands that may grow memory with OOM instead of evicting keys.
 */
const REFUSAL_SETTINGS: Record<WriteRefusal, Record<string, string>> = {
  NOREPLICAS: { 'min-replicas-to-write': '1' },
  OOM: { maxmemory: '1', 'maxmemory-policy': 'noeviction' },
};

/** `--tls-port` and the files of a TLS-only server (`--port 0`: nothing in clear); clients need no certificate. */
export function redisTlsArgs(port: number, certificates: TestCertificates): string[] {
  return [
    ...['--port', '0', '--tls-port', String(port)],
    ...['--tls-cert-file', certificates.serverCertFile, '--tls-key-file', certificates.serverKeyFile],
    ...['--tls-ca-cert-file', certificates.caFile, '--tls-auth-clients', 'no'],
  ];
}

/** How the harness's own clients reach a server: in clear, or over TLS trusting the throw-away CA. */
export function harnessTls(certificates: TestCertificates | undefined): RedisOptions {
  return certificates ? { tls: { ca: readFileSync(certificates.caFile) } } : {};
}

async function withClient<T>(
  port: number,
  password: string | undefined,
  tls: RedisOptions,
  use: (client: Redis) => Promise<T>,
): Promise<T> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...tls,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

async function answersPing(port: number, password: string | undefined, tls: RedisOptions): Promise<boolean> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...tls,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * A throw-away redis-server on a free port, for drills that take Redis away; `password` makes it require AUTH,
 * `tls` makes it speak TLS only (its `url` is then rediss://). `persistent`: an append-only file fsynced on
 * every write (in a fresh temporary directory), so a kill and restart keeps every acknowledged write, as a
 * Redis deployed with AOF does.
 */
export async function startExtraRedis(
  options: { password?: string; persistent?: boolean; tls?: TestCertificates } = {},
): Promise<ExtraRedis> {
  const { password } = options;
  const port = await freePort();
  let proc: ManagedProcess | undefined;
  const auth = password ? ['--requirepass', password] : [];
  const persistence = options.persistent
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', mkdtempSync(join(tmpdir(), 'seatguard-redis-'))]
    : ['--appendonly', 'no'];
  const listen = options.tls ? redisTlsArgs(port, options.tls) : ['--port', String(port)];
  const tls = harnessTls(options.tls);
  const start = async () => {
    proc = startProcess('redis-server', [...listen, '--bind', '127.0.0.1', '--save', '', ...persistence, ...auth], process.env);
    for (let i = 0; i < 100; i++) {
      if (await answersPing(port, password, tls)) return;
      if (proc.exited()) throw new Error(`redis-server exited:\n${proc.output()}`);
      await sleep(50);
    }
    throw new Error(`redis-server did not answer on ${port}`);
  };
  await start();
  // Nothing on disk to flush, so stopping is killing.
  const kill = async () => void (await proc?.stop('SIGKILL'));
  /** What the refusal settings were before, to put back. */
  let saved: Record<string, string> = {};
  const refuseWrites = (reason: WriteRefusal) =>
    withClient(port, password, tls, async (client) => {
      for (const [name, value] of Object.entries(REFUSAL_SETTINGS[reason])) {
        if (!(name in saved)) saved[name] = (await client.config('GET', name))[1];
        await client.config('SET', name, value);
      }
    });
  const acceptWrites = () =>
    withClient(port, password, tls, async (client) => {
      for (const [name, value] of Object.entries(saved)) await client.config('SET', name, value);
      saved = {};
    });
  const credentials = password ? `:${encodeURIComponent(password)}@` : '';
  const scheme = options.tls ? 'rediss' : 'redis';
  return { url: `${scheme}://${credentials}127.0.0.1:${port}`, port, kill, restart: start, stop: kill, refuseWrites, acceptWrites };
}
