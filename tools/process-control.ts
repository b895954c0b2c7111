/**
 * Starting, watching and stopping the extra processes that benchmarks and
 * drills need (app instances, reference servers, load generators), so that
 * every one of them is stopped again and no port is left taken.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Resident set size in KiB, or null once the process is gone (Linux /proc). */
export function rssKb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS until stopped; `peakKb` is the largest seen. */
export class RssSampler {
  peakKb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 50,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakKb;
  }

  private sample(): void {
    this.peakKb = Math.max(this.peakKb, rssKb(this.pid) ?? 0);
  }
}

export interface ManagedProcess {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Everything it wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Signals it and waits for the exit; SIGKILL if it outlives `graceMs`. Returns the exit code. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  exited(): boolean;
}

export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv): ManagedProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  // A parent that dies must not leave its children holding ports.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    process: child,
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 15000) {
      process.off('exit', killOnExit);
      if (exited()) return child.exitCode;
      child.kill(signal);
      const code = await Promise.race([exit, sleep(graceMs, undefined, { ref: false })]);
      if (!exited()) {
        child.kill('SIGKILL');
        return exit;
      }
      return code ?? null;
    },
  };
}

/**
 * Polls `url` until it answers 2xx; fails early if the process dies. `bound`, if given, must hold first: freePort
 * gave the port up before the child bound it, so until the child itself says it listens, an answer on that port may
 * come from another process that took it meanwhile (on a shared machine, another instance of the same app).
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  url: string,
  timeoutMs = 30000,
  bound: () => boolean = () => true,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exited()) throw new Error(`process exited during start-up:\n${proc.output()}`);
    if (
      bound() &&
      (await fetch(url).then(
        (r) => r.ok,
        () => false,
      ))
    )
      return;
    await sleep(100);
  }
  await proc.stop('SIGKILL');
  throw new Error(`not ready after ${timeoutMs} ms (${url}):\n${proc.output()}`);
}
