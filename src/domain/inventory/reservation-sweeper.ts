import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { appConfig, AppConfig, bookingConfig, BookingConfig } from '../../platform/config/configuration';
import { RepeatingTask } from '../../platform/concurrency/repeating-task';
import { InventoryRebuilder } from './inventory-rebuilder';
import { SeatPool } from './seat-pool';
import { TicketLedger } from './persistence/ticket-ledger';

const SWEEP_BATCH = 500;

/**
 * Gives back seats whose holder vanished (a crashed process, a lost reply from
 * Redis): once a reservation has expired, MySQL decides: a ticket exists, the reservation is
 * dropped; none, the seat returns to the pool. Every tick it also keeps the
 * set of known pools tidy: events off sale (ended, cancelled) leave it, and a
 * pool built for another capacity than MySQL's (a rebuild that failed after a
 * capacity change, on any instance) is rebuilt. At start-up it reconciles
 * every live event, so a crash before this start strands nothing.
 */
@Injectable()
export class ReservationSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReservationSweeper.name);
  private readonly loop: RepeatingTask;
  /** Event -> why its rebuild was asked for. */
  private readonly reconcileRequested = new Map<number, string>();

  constructor(
    private readonly store: SeatPool,
    private readonly ledger: TicketLedger,
    private readonly rebuilder: InventoryRebuilder,
    @Inject(bookingConfig.KEY) private readonly booking: BookingConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {
    this.loop = new RepeatingTask(
      () => this.tick(),
      this.booking.sweepIntervalMs,
      (error) => this.logger.warn({ err: error }, 'reservation sweep failed'),
    );
  }

  onApplicationBootstrap(): void {
    if (this.app.reconcileOnStart) {
      void this.reconcileLive().catch((error: unknown) => this.logger.warn({ err: error }, 'start-up reconciliation failed'));
    }
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Redis may not match MySQL (Redis was away, a failover lost writes): rebuild on the next tick. */
  requestReconcile(eventId: number, reason = 'requested'): void {
    this.reconcileRequested.set(eventId, reason);
  }

  private async tick(): Promise<void> {
    for (const [eventId, reason] of [...this.reconcileRequested]) {
      try {
        await this.rebuilder.rebuild(eventId, reason);
        this.reconcileRequested.delete(eventId);
      } catch {
        break; // still away; next tick
      }
    }
    await this.tidyKnown();
    await this.sweepAll();
  }

  /** Drops the pools of events off sale; rebuilds live pools built for another capacity than MySQL's. */
  async tidyKnown(): Promise<void> {
    try {
      const known = await this.store.knownEventIds();
      const live = await this.ledger.liveCapacities(known);
      for (const eventId of known.filter((id) => !live.has(id))) {
        await this.store.drop(eventId);
        this.logger.log({ eventId }, 'event off sale: its inventory left Redis');
      }
      for (const [eventId, built] of await this.store.builtCapacities([...live.keys()])) {
        if (built !== null && built !== live.get(eventId)) await this.rebuilder.rebuild(eventId, 'capacity-changed');
      }
    } catch (error) {
      // Redis or MySQL away: the next tick tries again.
      this.logger.debug({ err: error }, 'known inventories not tidied');
    }
  }

  async sweepAll(): Promise<number> {
    let returned = 0;
    try {
      for (const eventId of await this.store.knownEventIds()) {
        returned += await this.sweepEvent(eventId);
      }
    } catch (error) {
      // Redis or MySQL away: the next tick tries again.
      this.logger.debug({ err: error }, 'reservation sweep skipped');
    }
    return returned;
  }

  async sweepEvent(eventId: number): Promise<number> {
    const now = Date.now();
    const expired = await this.store.expiredReservations(eventId, now, SWEEP_BATCH);
    if (expired.length === 0) return 0;
    const ticketed = await this.ledger.ticketedAmong(eventId, expired);
    const returned = await this.store.settleExpired(eventId, now, expired, ticketed);
    if (returned > 0) this.logger.warn({ eventId, returned }, 'expired reservations returned to the pool');
    return returned;
  }

  /** Live events only (from MySQL, whatever Redis still lists): nothing is rebuilt for an event off sale. */
  private async reconcileLive(): Promise<void> {
    for (const eventId of (await this.ledger.liveCapacities()).keys()) {
      await this.rebuilder
        .rebuild(eventId, 'start-up')
        .catch((error: unknown) => this.logger.warn({ err: error, eventId }, 'start-up rebuild failed'));
    }
  }
}
