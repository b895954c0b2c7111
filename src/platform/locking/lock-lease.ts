import type { Lock } from '@sesamecare-oss/redlock';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';

/**
 * A held lock, extended in the background before it expires. If an extension
 * fails the lease is marked lost; the holder checks `held` before every write
 * and gives up (writes nothing) if it is false.
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

  /** Still ours: not lost and not expired (an expiry noticed here counts as lost: the event loop stalled past the TTL). */
  get held(): boolean {
    if (this.lostReason === undefined && this.lock.expiration <= Date.now()) {
      this.markLost(new Error('lock expired before it could be extended'));
    }
    return this.lostReason === undefined;
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
