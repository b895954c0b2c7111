import type { Lock } from '@sesamecare-oss/redlock';
import { setTimeout as sleep } from 'node:timers/promises';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';
import { LockLease } from './lock-lease';

/** A lock that expires `ttlMs` after each (successful) extension; `failExtensions` makes them fail. */
function fakeLock(ttlMs: number, opts: { failExtensions?: boolean } = {}) {
  const calls = { extended: 0, released: 0 };
  const make = (): Lock =>
    ({
      expiration: Date.now() + ttlMs,
      extend: () => {
        if (opts.failExtensions) return Promise.reject(new Error('quorum lost'));
        calls.extended += 1;
        return Promise.resolve(make());
      },
      release: () => {
        calls.released += 1;
        return Promise.resolve();
      },
    }) as unknown as Lock;
  return { lock: make(), calls };
}

const lostCount = async (metrics: SeatguardMetrics) =>
  (await metrics.lockEvents.get()).values.find((v) => v.labels.event === 'lost')?.value ?? 0;

describe('LockLease', () => {
  it('extends the lock before it expires for as long as the work runs, then releases it once', async () => {
    const { lock, calls } = fakeLock(60);
    const lease = new LockLease(lock, 60, 30, new SeatguardMetrics());
    // Polled, not slept for: a busy machine delays timers, it does not change what must happen.
    for (let waited = 0; calls.extended < 2 && waited < 3000; waited += 10) await sleep(10);
    expect(lease.held).toBe(true);
    expect(calls.extended).toBeGreaterThanOrEqual(2);
    await lease.release();
    const extendedAtRelease = calls.extended;
    await sleep(80);
    expect(calls.extended).toBe(extendedAtRelease);
    expect(calls.released).toBe(1);
  });

  it('a failed extension marks the lease lost (counted once): the holder must not write', async () => {
    const metrics = new SeatguardMetrics();
    // A long TTL, extended early: only the failed extension (after ~10 ms), not the expiry (after 60 s), can end it.
    const { lock } = fakeLock(60_000, { failExtensions: true });
    const lease = new LockLease(lock, 60_000, 59_990, metrics);
    expect(lease.held).toBe(true);
    for (const until = Date.now() + 5000; lease.held && Date.now() < until;) await sleep(5);
    expect(Date.now()).toBeLessThan(lock.expiration);
    expect(lease.held).toBe(false);
    expect(lease.held).toBe(false);
    expect(await lostCount(metrics)).toBe(1);
    await lease.release();
  });

  it('a lock that expired unnoticed (the event loop stalled past its TTL) is not held', async () => {
    const { lock } = fakeLock(20);
    const lease = new LockLease(lock, 20, 5, new SeatguardMetrics());
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 40);
    expect(lease.held).toBe(false);
    await lease.release();
  });
});
