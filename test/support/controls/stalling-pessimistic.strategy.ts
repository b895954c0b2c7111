import type { Deadline } from '../../../src/platform/concurrency/deadline';
import { PessimisticStrategy } from '../../../src/domain/inventory/strategies/pessimistic.strategy';
import type { SeatRequest } from '../../../src/domain/inventory/strategies/seat-strategy';

/**
 * TEST_CRITICAL_SECTION_DELAY_MS: a blocking stall, like a long GC pause, on
 * a booking's first attempt inside the lock. Blocking matters: while the event
 * loop is stuck the lock cannot be extended, so it really expires under the
 * holder's feet and another instance takes it.
 */
export class StallingPessimisticStrategy extends PessimisticStrategy {
  private readonly stalled = new WeakSet<Deadline>();
  private readonly stallMs = Number(process.env.TEST_CRITICAL_SECTION_DELAY_MS ?? 0);

  protected override beforeMove(request: SeatRequest): void {
    // One reservation's attempts share its deadline object: stall only its first.
    if (this.stallMs <= 0 || this.stalled.has(request.deadline)) return;
    this.stalled.add(request.deadline);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.stallMs);
  }
}
