import Redis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ManagedProcess, startProcess } from './process-control';

export interface ExtraRedis {
  url: string;
  port: number;
  /** Gone at once, like a crashed node (keeps nothing: no RDB, no AOF). */
  kill(): Promise<void>;
  /** A new, empty server on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function answersPing(port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
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

/** A throw-away redis-server on a free port, for drills that take Redis away. */
export async function startExtraRedis(): Promise<ExtraRedis> {
  const port = await freePort();
  let proc: ManagedProcess | undefined;
  const start = async () => {
    proc = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], process.env);
    for (let i = 0; i < 100; i++) {
      if (await answersPing(port)) return;
      if (proc.exited()) throw new Error(`redis-server exited:\n${proc.output()}`);
      await sleep(50);
    }
    throw new Error(`redis-server did not answer on ${port}`);
  };
  await start();
  // Nothing on disk to flush, so stopping is killing.
  const kill = async () => void (await proc?.stop('SIGKILL'));
  return { url: `redis://127.0.0.1:${port}`, port, kill, restart: start, stop: kill };
}
