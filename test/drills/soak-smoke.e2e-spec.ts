import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testEnvironment, TEST_DB_NAME } from '../setup/test-settings';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/** Runs dist/bench/soak.js on the migrated test database and Redis db 14 (which it flushes; the suites use 15). */
async function soak(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [join(ROOT, 'dist', 'bench', 'soak.js'), ...args, '--out', join(ROOT, '.run', 'soak')], {
      cwd: ROOT,
      env: { ...process.env, ...testEnvironment(), BENCH_DB_NAME: TEST_DB_NAME, BENCH_REDIS_DB: '14' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '' };
  }
}

/**
 * `npm run soak` lasts five minutes and stays out of the default suite; these
 * short runs keep its plumbing and its checks honest. The memory bound is
 * loosened here (a few seconds say nothing about a leak; the real soak
 * reports it), the answer and invariant checks are not.
 */
describe('soak smoke runs', () => {
  it('a short soak with bookings, cancellations and strategy switches passes', async () => {
    const { code, stdout } = await soak([
      '--seconds=12',
      '--warmup=3',
      '--events=8',
      '--concurrency=12',
      '--switch-every=500',
      '--rss-growth=10',
    ]);
    console.log(stdout);
    expect(stdout).toContain('soak passed');
    expect(code).toBe(0);
    expect(stdout).toMatch(/cancel 200\s+[1-9]/);
    expect(stdout).toMatch(/strategy switches: [1-9]/);
  }, 150_000);

  it('control: the same soak on the unsafe strategy fails on its invariant checks', async () => {
    const { code, stdout } = await soak(['--control', '--seconds=8', '--warmup=2', '--events=3', '--concurrency=24', '--rss-growth=10']);
    console.log(stdout);
    expect(code).toBe(1);
    expect(stdout).toContain('SOAK FAILED');
    expect(stdout).toMatch(/VIOLATION event \d+: (oversold|double seat|buyers were told)/);
  }, 150_000);
});
