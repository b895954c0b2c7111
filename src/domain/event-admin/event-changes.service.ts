import { Inject, Injectable } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../../platform/config/configuration';
import { ChangeOutcomeUnknownError } from '../../shared/errors/domain-errors';
import { UpdateEventDto } from '../events/dto/update-event.dto';
import type { CountedEvent } from '../events/event.model';
import { EventsService } from '../events/events.service';
import { SeatInventory } from '../inventory/seat-inventory';
import { BookingsRepository } from '../bookings/persistence/bookings.repository';

/**
 * An admin changing an event on sale. New seats are offered to the waiting
 * list in the capacity change's own transaction: no rebuild (this instance's,
 * another's, an admin's reconcile) can see the new capacity without the
 * offers, so none puts an offered seat on general sale. The new capacity then
 * reaches the Redis pool by a rebuild from MySQL, safe while bookings go on;
 * if Redis refuses it, the reservation sweeper retries, and repeating the PATCH
 * rebuilds a pool still built for another capacity. A booking in flight over
 * a lowered capacity meets the capacity trigger, which the reservation treats
 * as a stale pool: it rebuilds and takes a seat within the new capacity, or
 * answers SOLD_OUT.
 */
@Injectable()
export class EventChangesService {
  constructor(
    private readonly events: EventsService,
    private readonly bookings: BookingsRepository,
    private readonly inventory: SeatInventory,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {}

  async update(id: number, input: UpdateEventDto): Promise<CountedEvent> {
    const { after } = await this.events
      .update(id, input, async (tx, { before, after }) => {
        const added = Array.from({ length: Math.max(0, after.capacity - before.capacity) }, (_, i) => before.capacity + 1 + i);
        await this.bookings.offerNewSeats(id, added, this.config.waitlistOfferTtlMs, tx);
      })
      .catch((error: unknown) => {
        // A lost COMMIT MySQL could not be asked about: a new capacity reaches the pool with the rebuild.
        if (error instanceof ChangeOutcomeUnknownError) this.inventory.reconcileLater(id, 'lost-commit');
        throw error;
      });
    // Also when MySQL already had this capacity: a repeated PATCH finishes a change whose rebuild failed.
    if (input.capacity !== undefined) await this.inventory.matchCapacity(id, after.capacity);
    return this.events.withCounts(after);
  }

  cancel(id: number): Promise<CountedEvent> {
    return this.events.cancel(id);
  }
}
