import { Injectable } from '@nestjs/common';
import { AvailabilityMemo } from '../inventory/availability-memo';
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
    private readonly memo: AvailabilityMemo,
  ) {}

  async takeSeats(request: SeatRequest): Promise<TakeOutcome> {
    // After the pool ran dry, most requests end here without a round trip.
    const known = this.memo.soldOut(request.eventId, request.quantity);
    if (known) return known;
    const outcome = await this.store.take(request.eventId, request.quantity, request.holdUntil);
    this.metrics.attemptsPerBooking.observe({ strategy: this.name }, 1);
    return outcome;
  }
}
