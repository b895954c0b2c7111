import { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, startProcess, waitUntilReady } from '../../tools/process-control';
import { testEnvironment } from '../setup/test-settings';

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

/** The production build (`npm run build`) as a separate process: what a real second instance is. */
export async function startChildApp(
  overrides: Record<string, string> = {},
  options: { testControls?: boolean; readyTimeoutMs?: number } = {},
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
  await waitUntilReady(proc, `${url}/health/ready`, options.readyTimeoutMs ?? 20000);
  return { url, process: proc.process, output: () => proc.output(), stop: (signal) => proc.stop(signal) };
}
