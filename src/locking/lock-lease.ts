import type { Lock } from '@sesamecare-oss/redlock';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';

/** Thrown when the lock was lost mid-way: the work must roll back what it did. */
export class LockLostError extends Error {
  constructor(cause?: unknown) {
    super('the event lock was lost before the critical section finished', { cause });
  }
}

/**
 * A held lock, extended in the background before it expires. If an extension
 * fails the lease is marked lost; the holder checks `assertHeld()` before every
 * write and rolls back if it throws.
 *
 * Written around `Lock.extend` rather than `Redlock.using`: `using` rethrows a
 * failed release over the routine's own result (a committed booking would look
 * failed) and loops on "Cannot extend an already-expired lock" after an event
 * loop stall.
 */
export class LockLease {
  private lock: Lock;
  private timer: NodeJS.Timeout | undefined;
  private extension: Promise<void> | undefined;
  private lostReason: unknown;
  private released = false;

  constructor(
    lock: Lock,
    private readonly ttlMs: number,
    private readonly extendThresholdMs: number,
    private readonly metrics: SeatguardMetrics,
  ) {
    this.lock = lock;
    this.schedule();
  }

  get lost(): boolean {
    return this.lostReason !== undefined || this.lock.expiration <= Date.now();
  }

  assertHeld(): void {
    if (!this.lost) return;
    // Expired without a failed extension: the event loop stalled past the TTL.
    this.markLost(new Error('lock expired before it could be extended'));
    throw new LockLostError(this.lostReason);
  }

  async release(): Promise<void> {
    this.released = true;
    if (this.timer) clearTimeout(this.timer);
    await this.extension;
    // A failed release is harmless: the lock expires by itself after its TTL.
    await this.lock.release().catch(() => undefined);
  }

  private schedule(): void {
    const delay = Math.max(0, this.lock.expiration - Date.now() - this.extendThresholdMs);
    this.timer = setTimeout(() => {
      this.extension = this.extend();
    }, delay);
    this.timer.unref();
  }

  private async extend(): Promise<void> {
    if (this.released) return;
    try {
      this.lock = await this.lock.extend(this.ttlMs);
      this.metrics.lockEvents.inc({ event: 'extended' });
      if (!this.released) this.schedule();
    } catch (error) {
      this.markLost(error);
    }
  }

  /** Records the first reason only, so a lease counts as lost once. */
  private markLost(reason: unknown): void {
    if (this.lostReason !== undefined) return;
    this.lostReason = reason;
    this.metrics.lockEvents.inc({ event: 'lost' });
  }
}
