import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { bookingConfig, BookingConfig } from '../../platform/config/configuration';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import { SeatPool } from './seat-pool';

/** How often seats in limbo are settled while MySQL does not answer: "as soon as it answers again", within this. */
const RETRY_MS = 100;
/** How long another instance's limbo count is reused on the sold-out path before Redis is asked again. */
const SHARED_COUNT_TTL_MS = 100;
const MAX_SHARED_COUNTS = 10_000;

/** Asks MySQL (fenced, final) whether the booking holding these seats committed; throws while MySQL cannot say. */
export type CommittedCheck = () => Promise<boolean>;

interface InLimbo {
  /** Its member in the event's shared limbo set (Redis). */
  id: string;
  eventId: number;
  /** How many seats it counts for. */
  count: number;
  seats: number[];
  committed: CommittedCheck;
  /** MySQL said "not committed" but Redis was away when the seats were to go back. */
  releasePending: boolean;
  /**
   * A take whose reply was lost (SeatPool): which seats it took is unknown,
   * so this entry is settled by its idempotent cancel (retried until it gets
   * through), and lapses at `until` (the take's record expired: the reservation
   * sweeper has its seats, if any).
   */
  lostTake?: { cancel: () => Promise<number>; until: number };
}

/**
 * Seats taken by bookings whose outcome is not known yet: the COMMIT (or the
 * self-committing CALL) reached MySQL and its answer was lost, and MySQL could
 * not be asked within the request. They are settled as soon as MySQL answers
 * again, not after RESERVATION_TTL_MS: every RETRY_MS each entry's `committed` check
 * runs (a LostCommitSettler lookup by reference); sold, the seats stay taken;
 * not sold, they go back to the pool (releaseReserved: only seats still held, so
 * exactly once even if the reservation sweeper got there first).
 *
 * `seatsOf` is what makes SOLD_OUT true (docs/design.md §1.7): while seats
 * of an event are in limbo, a buyer they could serve is told 503
 * SEATS_IN_LIMBO, not SOLD_OUT. Each instance settles what it put in limbo,
 * and shares the count through the event's limbo set in Redis (each entry
 * bounded by RESERVATION_TTL_MS, when the reservation sweeper takes over), so a buyer on
 * any instance hears the same; that set is read at most every
 * SHARED_COUNT_TTL_MS per event, and only on the way to a SOLD_OUT.
 */
@Injectable()
export class SeatsInLimbo implements OnApplicationShutdown {
  private readonly logger = new Logger(SeatsInLimbo.name);
  private readonly entries = new Set<InLimbo>();
  private readonly perEvent = new Map<number, number>();
  /** Every instance's seats in limbo per event, as last read from Redis. */
  private readonly shared = new Map<number, { at: number; seats: Promise<number> }>();
  private timer: NodeJS.Timeout | undefined;
  private settling: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly pool: SeatPool,
    private readonly metrics: SeatguardMetrics,
    @Inject(bookingConfig.KEY) private readonly config: Pick<BookingConfig, 'reservationTtlMs'>,
  ) {
    this.pool.onUnsettledTake((eventId, seats, cancel, until) => this.addLostTake(eventId, seats, cancel, until));
  }

  add(eventId: number, seats: number[], committed: CommittedCheck): void {
    if (seats.length === 0) return;
    this.enter(
      { id: randomUUID(), eventId, count: seats.length, seats, committed, releasePending: false },
      Date.now() + this.config.reservationTtlMs,
    );
  }

  /** A take whose outcome is unknown (its reply was lost): `seats` count as in limbo until `cancel` succeeds or `until`; the answer ends it sooner. */
  addLostTake(eventId: number, seats: number, cancel: () => Promise<number>, until: number): () => void {
    if (seats <= 0) return () => undefined;
    const entry: InLimbo = {
      id: randomUUID(),
      eventId,
      count: seats,
      seats: [],
      committed: () => Promise.resolve(false),
      releasePending: true,
      lostTake: { cancel, until },
    };
    this.enter(entry, until);
    return () => this.remove(entry);
  }

  private enter(entry: InLimbo, until: number): void {
    const { eventId } = entry;
    this.entries.add(entry);
    this.perEvent.set(eventId, (this.perEvent.get(eventId) ?? 0) + entry.count);
    this.pool
      .markInLimbo(eventId, entry.id, entry.count, until)
      .catch((error: unknown) => this.logger.debug({ err: error, eventId }, 'limbo not shared (Redis away): this instance still knows'));
    this.schedule();
  }

  /** Seats of this event whose booking's outcome this instance is still waiting to learn. */
  seatsOf(eventId: number): number {
    return this.perEvent.get(eventId) ?? 0;
  }

  /** Seats of this event in limbo on any instance (this one's at least, if Redis cannot say). */
  async anywhere(eventId: number): Promise<number> {
    const now = Date.now();
    let cached = this.shared.get(eventId);
    if (!cached || now - cached.at > SHARED_COUNT_TTL_MS) {
      cached = { at: now, seats: this.pool.seatsInLimbo(eventId, now).catch(() => 0) };
      this.shared.set(eventId, cached);
      if (this.shared.size > MAX_SHARED_COUNTS) this.shared.delete(this.shared.keys().next().value as number);
    }
    return Math.max(this.seatsOf(eventId), await cached.seats);
  }

  /** One pass over every entry; stops at the first that MySQL cannot settle yet (it is still away). */
  async settleAll(): Promise<void> {
    for (const entry of [...this.entries]) {
      try {
        if (entry.lostTake) {
          if (Date.now() < entry.lostTake.until) {
            const returned = await entry.lostTake.cancel();
            this.logger.warn({ eventId: entry.eventId, returned }, 'take whose reply was lost cancelled: its seats are back on sale');
          }
          this.remove(entry);
          continue;
        }
        if (!entry.releasePending) {
          if (await entry.committed()) {
            this.metrics.ambiguousCommits.inc({ resolution: 'committed-later' });
            this.remove(entry);
            continue;
          }
          entry.releasePending = true;
        }
        const returned = await this.pool.releaseReserved(entry.eventId, entry.seats);
        this.metrics.ambiguousCommits.inc({ resolution: 'not-committed-later' });
        this.logger.warn({ eventId: entry.eventId, seats: entry.seats, returned }, 'seats in limbo settled: not booked, back on sale');
        this.remove(entry);
      } catch (error) {
        this.logger.debug({ err: error, eventId: entry.eventId }, 'seats in limbo not settled yet');
        return;
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.settling;
  }

  private remove(entry: InLimbo): void {
    if (!this.entries.delete(entry)) return;
    this.shared.delete(entry.eventId);
    this.pool
      .clearLimbo(entry.eventId, entry.id, entry.count)
      .catch((error: unknown) => this.logger.debug({ err: error, eventId: entry.eventId }, 'limbo entry left to expire in Redis'));
    const left = (this.perEvent.get(entry.eventId) ?? 0) - entry.count;
    if (left > 0) this.perEvent.set(entry.eventId, left);
    else this.perEvent.delete(entry.eventId);
  }

  private schedule(): void {
    if (this.timer || this.settling || this.stopped || this.entries.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.settling = this.settleAll().finally(() => {
        this.settling = undefined;
        this.schedule();
      });
    }, RETRY_MS);
    this.timer.unref();
  }
}
