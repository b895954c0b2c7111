import { Injectable, Logger } from '@nestjs/common';
import { EventNotFoundError, InventoryUnsettledError } from '../../shared/errors/domain-errors';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import { SeatPool } from './seat-pool';
import { TicketLedger } from './persistence/ticket-ledger';

const MAX_STALE_SNAPSHOTS = 5;

/**
 * Rebuilds an event's Redis inventory from MySQL. Safe to run at any time, on
 * any instance, while bookings go on: seats held by bookings in flight are
 * kept out of the pool, and a snapshot made stale by a cancellation is redone.
 */
@Injectable()
export class InventoryRebuilder {
  private readonly logger = new Logger(InventoryRebuilder.name);
  // One rebuild per event per process at a time; concurrent callers share it.
  private readonly inFlight = new Map<number, Promise<number>>();

  constructor(
    private readonly store: SeatPool,
    private readonly ledger: TicketLedger,
    private readonly metrics: SeatguardMetrics,
  ) {}

  rebuild(eventId: number, reason: string): Promise<number> {
    let running = this.inFlight.get(eventId);
    if (!running) {
      running = this.run(eventId, reason).finally(() => this.inFlight.delete(eventId));
      this.inFlight.set(eventId, running);
    }
    return running;
  }

  private async run(eventId: number, reason: string): Promise<number> {
    // A cancelled event's pool stays closed, whoever asks for a rebuild (a lost pool, an admin, a stale seat).
    if (await this.ledger.isCancelled(eventId)) {
      await this.store.close(eventId);
      return 0;
    }
    for (let attempt = 1; attempt <= MAX_STALE_SNAPSHOTS; attempt++) {
      const generation = await this.store.generation(eventId);
      const capacity = await this.ledger.capacityOf(eventId);
      if (capacity === null) throw new EventNotFoundError(eventId);
      const ticketed = await this.ledger.ticketedSeats(eventId);
      const free = await this.store.rebuild(eventId, capacity, generation, ticketed);
      if (free >= 0) {
        this.metrics.inventoryRebuilds.inc({ reason });
        this.logger.log({ eventId, reason, free, sold: ticketed.length }, 'inventory rebuilt from MySQL');
        return free;
      }
    }
    throw new InventoryUnsettledError('cancellations kept invalidating the rebuild snapshot');
  }
}
