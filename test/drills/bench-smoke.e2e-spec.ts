import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { NON_BOOKING, REFERENCES, TARGETS } from '../../bench/bench-options';
import { testEnvironment, TEST_DB_NAME } from '../setup/test-settings';

const ROOT = join(__dirname, '..', '..');
const BOUND_MS = 600_000;

interface BenchRun {
  /** The exit code (null if a signal ended it: the bound's SIGKILL). */
  code: number | null;
  output: string;
}

/**
 * Runs the bench in a process group of its own, so that whatever happens (a
 * failure, the bound) it and every server it started (the app, the references,
 * HAProxy, throw-away Redis) are stopped together.
 */
function runBench(args: string[], env: NodeJS.ProcessEnv): Promise<BenchRun> {
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
    child.on('exit', (code) => {
      clearTimeout(bound);
      // Anything the bench left behind goes with it.
      killGroup();
      resolve({ code, output });
    });
  });
}

/**
 * `npm run bench -- --quick` as a smoke check: every scenario and target runs
 * end to end and its invariant check (the same saleViolations the proofs use,
 * read from MySQL) passes. Timings are printed, never asserted.
 */
const lastLines = (output: string) => output.split('\n').slice(-40).join('\n');

/** `npm run bench -- --quick <extra>` on the migrated test database; Redis db 14, which the bench flushes (the suites use 15). */
const quickBench = (extra: string[] = []) =>
  runBench([join(ROOT, 'dist', 'bench', 'run-bench.js'), '--quick', '--out', join(ROOT, '.run', 'bench'), ...extra], {
    ...process.env,
    ...testEnvironment(),
    BENCH_DB_NAME: TEST_DB_NAME,
    BENCH_REDIS_DB: '14',
  });

describe('bench smoke run (--quick)', () => {
  it(
    'runs every scenario against every target and finds no broken invariant',
    async () => {
      const { code, output: stdout } = await quickBench();
      if (code !== 0) throw new Error(`bench exited with ${code}; its last output:\n${lastLines(stdout)}`);
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

  it(
    'control: the same run with the app booking on the unsafe strategy fails, its invariant check naming what broke',
    async () => {
      // One booking target, the flash scenario: enough for the unsafe strategy to sell seats twice.
      const { code, output } = await quickBench(['--control', '--scenarios', 'flash', '--targets', 'atomic']);
      const violations = output.split('\n').filter((l) => l.trim().startsWith('VIOLATION '));
      process.stdout.write(
        `[bench control] exit ${code}, ${violations.length} violations, e.g. "${violations[0]?.trim()}"; ${/INVARIANTS BROKEN[^\n]*/.exec(output)?.[0]}\n`,
      );
      // What the smoke run asserts fails here: a non-zero exit, VIOLATION lines, no "invariants held".
      expect({ code, last: lastLines(output) }).toMatchObject({ code: 1 });
      expect(violations.length).toBeGreaterThan(0);
      expect(output).toMatch(/INVARIANTS BROKEN in 1 run\(s\): flash\/atomic#1/);
      expect(output).not.toContain('invariants held in every run');
    },
    BOUND_MS + 60_000,
  );
});
