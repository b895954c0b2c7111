import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { NON_BOOKING, REFERENCES, TARGETS } from '../../bench/bench-options';
import { testEnvironment, TEST_DB_NAME } from '../setup/test-settings';

const ROOT = join(__dirname, '..', '..');
const BOUND_MS = 600_000;

/**
 * Runs the bench in a process group of its own, so that whatever happens (a
 * failure, the bound) it and every server it started (the app, the references,
 * HAProxy, throw-away Redis) are stopped together; a failure shows the run's
 * last lines of output.
 */
function runBench(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch (error) {
        // ESRCH: the group is gone already.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    };
    const bound = setTimeout(killGroup, BOUND_MS);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(bound);
      // Anything the bench left behind goes with it.
      killGroup();
      if (code === 0) resolve(output);
      else reject(new Error(`bench exited with ${code ?? signal}; its last output:\n${output.split('\n').slice(-40).join('\n')}`));
    });
  });
}

/**
 * `npm run bench -- --quick` as a smoke check: every scenario and target runs
 * end to end and its invariant check (the same saleViolations the proofs use,
 * read from MySQL) passes. Timings are printed, never asserted.
 */
describe('bench smoke run (--quick)', () => {
  it(
    'runs every scenario against every target and finds no broken invariant',
    async () => {
      const env = testEnvironment();
      const stdout = await runBench([join(ROOT, 'dist', 'bench', 'run-bench.js'), '--quick', '--out', join(ROOT, '.run', 'bench')], {
        ...process.env,
        ...env,
        // The migrated test database; Redis db 14, which the bench flushes (the suites use 15).
        BENCH_DB_NAME: TEST_DB_NAME,
        BENCH_REDIS_DB: '14',
      });
      console.log(stdout.split('\nMedians')[1] ?? stdout);
      expect(stdout).toContain('invariants held in every run');
      const rows = stdout.split('\n').filter((l) => /^(flash|spread|scale)#1 /.test(l));
      // flash and spread: every target; scale: the references, then each strategy on the quick run's one deployment.
      const strategies = TARGETS.filter((t) => !REFERENCES.includes(t) && !NON_BOOKING.includes(t));
      expect(rows).toHaveLength(2 * TARGETS.length + REFERENCES.length + strategies.length);
      expect(stdout).not.toContain('VIOLATION');
    },
    BOUND_MS + 60_000,
  );
});
