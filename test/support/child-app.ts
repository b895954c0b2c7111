import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testEnvironment } from '../setup/test-settings';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface ChildApp {
  url: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The production build (`npm run build`) as a separate process: what a real second instance is. */
export async function startChildApp(overrides: Record<string, string> = {}): Promise<ChildApp> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...testEnvironment(), PORT: String(port), HOST: '127.0.0.1', ...overrides },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = once(child, 'exit');
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    const [code] = (await Promise.race([exited, sleep(15000, [null], { ref: false })])) as [number | null];
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return code;
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`app exited during start-up:\n${output}`);
    const ready = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ready) return { url, process: child, stop };
    await sleep(100);
  }
  await stop('SIGKILL');
  throw new Error(`app did not become ready:\n${output}`);
}
