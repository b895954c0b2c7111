import { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, startProcess, waitUntilReady } from '../../tools/process-control';
import { testEnvironment } from '../setup/test-settings';
import { startAll } from './cleanups';

export { freePort };

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');
/** The same bootstrap with the test harness's controls (see controls/test-controls.ts). */
const MAIN_WITH_TEST_CONTROLS = join(__dirname, '..', '..', 'dist', 'test', 'support', 'controls', 'main.js');

export interface ChildApp {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Start-up on a slow, shared machine: a deadline to give up by, generous because nothing here measures speed. */
const READY_TIMEOUT_MS = 60_000;

/**
 * The production build (`npm run build`) as a separate process: what a real second instance is.
 * `freePort` releases the port before the child binds it, so another process may take it in between:
 * a start that fails with EADDRINUSE is tried again on a new port, and no answer on the port counts as
 * ready before the child has said it listens there.
 */
export async function startChildApp(
  overrides: Record<string, string> = {},
  options: { testControls?: boolean; readyTimeoutMs?: number } = {},
): Promise<ChildApp> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(overrides, options);
    } catch (error) {
      if (attempt >= 3 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
    }
  }
}

/** `count` instances started at once; if one fails to start, the others are stopped before the failure is thrown. */
export function startChildApps(
  count: number,
  overrides: Record<string, string> = {},
  options: { testControls?: boolean; readyTimeoutMs?: number } = {},
): Promise<ChildApp[]> {
  return startAll(
    Array.from({ length: count }, () => startChildApp(overrides, options)),
    (app) => app.stop(),
  );
}

async function startOnce(
  overrides: Record<string, string>,
  options: { testControls?: boolean; readyTimeoutMs?: number },
): Promise<ChildApp> {
  const port = await freePort();
  const proc = startProcess(process.execPath, [options.testControls ? MAIN_WITH_TEST_CONTROLS : MAIN], {
    ...process.env,
    ...testEnvironment(),
    PORT: String(port),
    HOST: '127.0.0.1',
    ...overrides,
  });
  const url = `http://127.0.0.1:${port}`;
  // Ready only once this child has printed that it listens (serve.ts): an answer on the port before that could be another process's.
  await waitUntilReady(proc, `${url}/health/ready`, options.readyTimeoutMs ?? READY_TIMEOUT_MS, () =>
    proc.output().includes(`seatguard listening on http://localhost:${port}`),
  );
  return { url, process: proc.process, output: () => proc.output(), stop: (signal) => proc.stop(signal) };
}
