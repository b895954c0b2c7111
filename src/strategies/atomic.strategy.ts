import { Injectable } from '@nestjs/common';
import { InventoryStore, TakeOutcome } from '../inventory/inventory-store';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';
import { BookingStrategy, SeatRequest } from './booking-strategy';

/** One Lua script checks and takes the seats in a single server-side step. */
@Injectable()
export class AtomicStrategy implements BookingStrategy {
  readonly name = 'atomic' as const;

  constructor(
    private readonly store: InventoryStore,
    private readonly metrics: SeatguardMetrics,
  ) {}

  async takeSeats(request: SeatRequest): Promise<TakeOutcome> {
    const outcome = await this.store.take(request.eventId, request.quantity, request.holdUntil);
    this.metrics.attemptsPerBooking.observe({ strategy: this.name }, 1);
    return outcome;
  }
}
