import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NON_BOOKING, REFERENCES, TARGETS } from '../bench/bench-options';
import { testEnvironment, TEST_DB_NAME } from './setup/test-settings';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

/**
 * `npm run bench -- --quick` as a smoke check: every scenario and target runs
 * end to end and its invariant check (the same saleViolations the proofs use,
 * read from MySQL) passes. Timings are printed, never asserted.
 */
describe('bench smoke run (--quick)', () => {
  it('runs every scenario against every target and finds no broken invariant', async () => {
    const env = testEnvironment();
    const { stdout } = await run(
      process.execPath,
      [join(ROOT, 'dist', 'bench', 'run-bench.js'), '--quick', '--out', join(ROOT, '.run', 'bench')],
      {
        cwd: ROOT,
        // The migrated test database; Redis db 14, which the bench flushes (the suites use 15).
        env: { ...process.env, ...env, BENCH_DB_NAME: TEST_DB_NAME, BENCH_REDIS_DB: '14' },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
      },
    );
    console.log(stdout.split('\nMedians')[1] ?? stdout);
    expect(stdout).toContain('invariants held in every run');
    const rows = stdout.split('\n').filter((l) => /^(flash|spread|scale)#1 /.test(l));
    // flash and spread: every target; scale: the references, then each strategy on the quick run's one deployment.
    const strategies = TARGETS.filter((t) => !REFERENCES.includes(t) && !NON_BOOKING.includes(t));
    expect(rows).toHaveLength(2 * TARGETS.length + REFERENCES.length + strategies.length);
    expect(stdout).not.toContain('VIOLATION');
  }, 300_000);
});
