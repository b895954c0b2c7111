import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { bookingConfig, BookingConfig, waitingRoomConfig, WaitingRoomConfig } from '../../platform/config/configuration';
import type { Event } from '../events/event.model';
import { EventsService } from '../events/events.service';
import { EventsRepository } from '../events/persistence/events.repository';
import { SeatInventory } from '../inventory/seat-inventory';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import { admissionRate, AdmissionRateRule, servedPerSecond } from './admission-rate';
import { drawPlaces } from './lottery-draw';
import { RoomStore } from './room-store';
import { TicketStreams } from './ticket-streams';

/** More seats than any event has: a sale that is over has none, whatever its pool still holds. */
const MAX_CAPACITY_ANY = 1_000_000_000;
/** Past its booking's deadline by this much, a claim's booking has answered or died. */
const STALE_CLAIM_MARGIN_MS = 5000;

/**
 * Every instance runs each active room's admission step every
 * WAITING_ROOM_TICK_MS: opening the pre-queue at salesStartAt (the lottery's
 * draw), then admitting by stock. The steps are atomic in Redis, so two
 * instances ticking the same room admit no one twice and any instance can die.
 * Stock = seats on sale (the Redis pool, read inside the step) + seats in
 * holds and offers that may lapse (MySQL); none once the sale is over.
 * Rate = min(ceiling, max(floor, served per second lately x headroom)) (admission-rate.ts).
 */
@Injectable()
export class RoomTicker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RoomTicker.name);
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly rateRule: AdmissionRateRule;

  constructor(
    private readonly events: EventsService,
    private readonly repository: EventsRepository,
    private readonly store: RoomStore,
    private readonly inventory: SeatInventory,
    private readonly metrics: SeatguardMetrics,
    private readonly streams: TicketStreams,
    @Inject(waitingRoomConfig.KEY) private readonly config: WaitingRoomConfig,
    @Inject(bookingConfig.KEY) private readonly booking: BookingConfig,
  ) {
    this.rateRule = { ceiling: config.admitRatePerSecond, floor: config.admitFloorPerSecond, headroom: config.rateHeadroom };
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tickAll().finally(() => this.schedule()), this.config.tickMs);
    this.timer.unref();
  }

  /** One pass over every active room; a failing room (Redis or MySQL away) is skipped until the next pass. */
  async tickAll(): Promise<void> {
    let rooms: number[];
    try {
      rooms = await this.store.activeRooms();
    } catch {
      return; // Redis away: nothing can be admitted anyway
    }
    await Promise.all(
      rooms.map((id) => this.tick(id).catch((error: unknown) => this.logger.debug({ err: error, eventId: id }, 'admission step skipped'))),
    );
  }

  async tick(eventId: number): Promise<void> {
    const event = await this.events.findForBooking(eventId);
    if (event.queueMode === 'off') {
      // Turned off: its keys are no longer refreshed and expire; stop walking it once they have.
      if (!(await this.store.exists(eventId))) await this.store.forgetRoom(eventId);
      return;
    }
    const now = Date.now();
    const onSale = !event.salesStartAt || now >= event.salesStartAt.getTime();
    if (onSale && !(await this.store.isOpen(eventId))) await this.open(event);
    const { lapsable, unsold } = await this.seatsFromMysql(event, now);
    // The bookings and holds served lately, counted in Redis: every instance admits by the same measure.
    const ratePerSecond = admissionRate(this.rateRule, servedPerSecond(await this.store.servedCounts(eventId, now)));
    const step = await this.store.admit(eventId, {
      now,
      lapsable,
      factor: this.config.admitFactor,
      ratePerSecond,
      validUntil: now + this.config.admissionTtlMs,
      nonceBase: randomBytes(6).toString('hex'),
      staleClaimMs: this.booking.deadlineMs + STALE_CLAIM_MARGIN_MS,
      unsold,
    });
    if (step.gone) {
      // Expired after it closed, or lost with Redis: joining again re-creates it (and walks it again).
      this.streams.forget(eventId);
      await this.store.forgetRoom(eventId);
      return;
    }
    if (step.inventoryUnknown && lapsable >= 0) {
      // Lost with Redis (restarted empty): rebuilt from MySQL, as a booking would; nobody is admitted meanwhile.
      await this.inventory.rebuild(eventId, 'waiting room');
      return;
    }
    // The streams of this instance learn the room's close (pushed to them at once) and how far admission has come.
    this.streams.sighted(eventId, { closed: step.soldOut, admittedTotal: step.admittedTotal, opened: onSale });
    const label = String(eventId);
    this.metrics.queueWaiting.set({ event: label }, step.waiting);
    this.metrics.queueUnserved.set({ event: label, kind: 'unserved' }, step.unserved);
    this.metrics.queueUnserved.set({ event: label, kind: 'limit' }, step.limit);
    this.metrics.queueAdmitRate.set({ event: label }, ratePerSecond);
    if (step.admitted > 0) {
      this.metrics.queueAdmissions.inc(step.admitted);
      for (const joined of step.joinedAt) this.metrics.queueWaitSeconds.observe(Math.max(0, now - joined) / 1000);
    }
  }

  private async open(event: Event): Promise<void> {
    const order = event.queueMode === 'lottery' ? drawPlaces(await this.store.preQueue(event.id)) : [];
    if (await this.store.open(event.id, order))
      this.logger.log({ eventId: event.id, mode: event.queueMode, preQueued: order.length }, 'waiting room opened');
  }

  /**
   * From MySQL: seats in checkout holds and offers that may still lapse back on sale (live holds), and the
   * seats without a ticket (capacity − sold − held). After the sale (or a cancellation) nothing may lapse into
   * a sale and nothing is unsold: -infinity as far as the room goes, so it closes.
   */
  private async seatsFromMysql(event: Event, now: number): Promise<{ lapsable: number; unsold: number }> {
    if (event.cancelledAt || (event.salesEndAt && now >= event.salesEndAt.getTime())) {
      return { lapsable: -MAX_CAPACITY_ANY, unsold: -MAX_CAPACITY_ANY };
    }
    const counts = (await this.repository.seatCounts([event.id])).get(event.id) ?? { sold: 0, held: 0 };
    return { lapsable: counts.held, unsold: event.capacity - counts.sold - counts.held };
  }
}
