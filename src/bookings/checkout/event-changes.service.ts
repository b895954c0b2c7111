import { Inject, Injectable, Logger } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../../config/configuration';
import { ChangeOutcomeUnknownError } from '../../errors/domain-errors';
import { EventResponse } from '../../events/dto/event.response';
import { UpdateEventDto } from '../../events/dto/update-event.dto';
import { EventsService } from '../../events/events.service';
import { SeatInventory } from '../../inventory/seat-inventory';
import { BookingsRepository } from '../persistence/bookings.repository';

/**
 * An admin changing an event on sale. A new capacity reaches the Redis pool
 * by a rebuild from MySQL, which is safe while bookings go on; new seats are
 * offered to the waiting list first (before the rebuild can put them on general
 * sale). A booking in flight over a lowered capacity meets the capacity
 * trigger, which the reservation treats as a stale pool: it rebuilds and takes
 * a seat within the new capacity, or answers SOLD_OUT.
 */
@Injectable()
export class EventChangesService {
  private readonly logger = new Logger(EventChangesService.name);

  constructor(
    private readonly events: EventsService,
    private readonly bookings: BookingsRepository,
    private readonly inventory: SeatInventory,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {}

  async update(id: number, input: UpdateEventDto): Promise<EventResponse> {
    const { before, after } = await this.events.update(id, input).catch((error: unknown) => {
      // A lost COMMIT MySQL could not be asked about: a new capacity reaches the pool with the rebuild.
      if (error instanceof ChangeOutcomeUnknownError) this.inventory.reconcileLater(id, 'lost-commit');
      throw error;
    });
    if (after.capacity !== before.capacity) {
      const added = Array.from({ length: Math.max(0, after.capacity - before.capacity) }, (_, i) => before.capacity + 1 + i);
      await this.bookings.offerNewSeats(id, added, this.config.waitlistOfferTtlMs);
      // If Redis is away now, the next booking finds the pool stale or missing and rebuilds it.
      await this.inventory
        .rebuild(id, 'capacity-changed')
        .catch((error: unknown) => this.logger.warn({ err: error, eventId: id }, 'inventory not rebuilt after a capacity change'));
    }
    return this.events.respond(after);
  }

  cancel(id: number): Promise<EventResponse> {
    return this.events.cancel(id);
  }
}
