import { Inject, Injectable, Logger } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../../../platform/config/configuration';
import { Deadline } from '../../../platform/concurrency/deadline';
import { NaturalBatches, Pending } from '../../../platform/concurrency/natural-batches';
import { AmbiguousCommitError } from '../../../platform/database/bounded-sql';
import { DeadlineExceededError } from '../../../shared/errors/domain-errors';
import { SeatBatches } from '../../inventory/batching/seat-batches';
import { SeatShare } from '../../inventory/batching/seat-shares';
import { SeatAlreadyTakenError } from '../../inventory/seat-inventory';
import { SeatguardMetrics } from '../../../platform/metrics/seatguard-metrics';
import type { StoredBooking } from '../booking.model';
import { batchRolledBack, BookingBatchWriter } from '../persistence/booking-batch-writer.mysql';
import type { NewBooking } from '../persistence/bookings.repository';

/** Batches of one event running at once on this instance: the natural one, plus those a max wait starts beside it. */
const MAX_PARALLEL_BATCHES = 4;
/** Seats per batch at most: the Lua and SQL arguments stay small. */
const MAX_SEATS_PER_BATCH = 2000;

/** One booking handed to the batcher: what it asks for, and how to make its row once it has seats. */
export interface BatchMember {
  eventId: number;
  strategy: string;
  quantity: number;
  deadline: Deadline;
  /** The booking's row for these seats (its reference and secret are fixed before it joins). */
  draft(seats: number[]): NewBooking;
}

/**
 * The batch's COMMIT reached MySQL and its answer was lost: each booking of
 * it is settled by its own reference (`lost` says which connection sent it);
 * `seats` are this booking's, still reserved until MySQL says whether they sold.
 */
export class BatchCommitLost extends Error {
  constructor(
    readonly lost: AmbiguousCommitError,
    readonly seats: number[],
  ) {
    super(lost.message, { cause: lost });
  }
}

/**
 * What the batch answers one booking. `alone`: this booking could not be
 * settled in the batch (a seat MySQL already had, a deadlock, a strategy
 * without a batch step) and nothing of it was written: it goes the
 * one-at-a-time way, which rebuilds and retries as always.
 */
export type BatchAnswer = { kind: 'booked'; booking: StoredBooking } | { kind: 'sold-out'; available: number } | { kind: 'alone' };

/**
 * Group commit on the booking path (issue 19). Bookings of one event (and
 * strategy) that arrive while a batch of it is in flight on this instance
 * form the next batch (NaturalBatches): ONE Redis step takes every booking's
 * seats (SeatBatches: a Lua call, a lock, or a WATCH/MULTI/EXEC), then ONE
 * MySQL transaction writes every booking and ticket (BookingBatchWriter), the
 * capacity trigger still the last word. Each booking gets its own answer:
 * one refused on its own (customer limit, a reused key) never fails the
 * others; a lost COMMIT reply rejects each with AmbiguousCommitError, which
 * its caller settles by its own reference.
 */
@Injectable()
export class BookingBatcher {
  private readonly logger = new Logger(BookingBatcher.name);
  private readonly batches: NaturalBatches<BatchMember, BatchAnswer>;
  /** BOOKING_BATCH_MAX > 1. At 1 the booking path is today's, one booking at a time. */
  readonly enabled: boolean;

  constructor(
    private readonly seats: SeatBatches,
    private readonly writer: BookingBatchWriter,
    private readonly metrics: SeatguardMetrics,
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {
    this.enabled = config.batchMax > 1;
    this.batches = new NaturalBatches<BatchMember, BatchAnswer>(
      {
        max: config.batchMax,
        maxWaitMs: config.batchMaxWaitMs,
        maxParallel: MAX_PARALLEL_BATCHES,
        weight: (m) => m.quantity,
        maxWeight: MAX_SEATS_PER_BATCH,
      },
      (_key, batch) => this.run(batch),
    );
  }

  book(member: BatchMember): Promise<BatchAnswer> {
    if (!this.seats.supports(member.strategy)) return Promise.resolve({ kind: 'alone' });
    return this.batches.submit(`${member.eventId}:${member.strategy}`, member);
  }

  /** Seats of a booking the batch took and that turned out not sold (its lost COMMIT settled as not committed). */
  giveBack(eventId: number, seats: number[]): Promise<void> {
    return this.seats.giveBack(eventId, seats);
  }

  private async run(waiting: Pending<BatchMember, BatchAnswer>[]): Promise<void> {
    // Whoever ran out of time while waiting is told so; nothing of theirs was taken.
    const batch = waiting.filter((p) => {
      if (!p.item.deadline.expired()) return true;
      p.reject(new DeadlineExceededError('waiting for a booking batch'));
      return false;
    });
    if (batch.length === 0) return;
    const { eventId, strategy } = batch[0].item;
    const deadline = earliest(batch.map((p) => p.item.deadline));
    const shares = await this.seats.take({ eventId, strategy, quantities: batch.map((p) => p.item.quantity), deadline });
    const taken: { pending: Pending<BatchMember, BatchAnswer>; seats: number[] }[] = [];
    const turnedAway: { pending: Pending<BatchMember, BatchAnswer>; available: number }[] = [];
    batch.forEach((pending, i) => {
      const share: SeatShare = shares[i];
      if (share.kind === 'sold-out') turnedAway.push({ pending, available: share.available });
      else taken.push({ pending, seats: share.seats });
    });
    let givenBack = 0;
    try {
      if (taken.length > 0) givenBack = await this.write(eventId, strategy, taken, deadline);
    } finally {
      // Seats this batch took and gave back (a booking MySQL refused) may fit a member it turned away: SOLD_OUT
      // would not be true, so that member tries again alone, on the pool as it is now.
      turnedAway.forEach(({ pending, available }) => pending.resolve(givenBack > 0 ? { kind: 'alone' } : { kind: 'sold-out', available }));
    }
  }

  private async write(
    eventId: number,
    strategy: string,
    taken: { pending: Pending<BatchMember, BatchAnswer>; seats: number[] }[],
    deadline: Deadline,
  ): Promise<number> {
    let writes;
    try {
      const rows = taken.map(({ pending, seats }) => pending.item.draft(seats));
      deadline.throwIfExpired('writing the booking batch');
      // Keep time to ask MySQL, booking by booking, what became of a COMMIT whose answer is lost.
      writes = await this.writer.write(eventId, rows, deadline.shortenedBy(Math.min(500, Math.floor(this.config.deadlineMs / 4))));
      this.metrics.bookingBatchSize.observe({ strategy }, taken.length);
    } catch (error) {
      if (error instanceof AmbiguousCommitError) {
        // The seats may be sold: they stay reserved, and each booking is settled by its reference.
        taken.forEach(({ pending, seats }) => pending.reject(new BatchCommitLost(error, seats)));
        return 0;
      }
      const all = taken.flatMap((t) => t.seats);
      await this.seats.giveBack(eventId, all);
      if (batchRolledBack(error)) {
        this.logger.warn({ eventId, err: error }, 'booking batch rolled back; its bookings go one at a time');
        taken.forEach(({ pending }) => pending.resolve({ kind: 'alone' }));
      } else {
        taken.forEach(({ pending }) => pending.reject(error));
      }
      return all.length;
    }
    // Refused bookings' seats go back before their buyers hear, as on the one-at-a-time path.
    const refused = writes.flatMap((write, i) => (write.kind === 'refused' ? taken[i].seats : []));
    await this.seats.giveBack(eventId, refused);
    writes.forEach((write, i) => {
      const { pending } = taken[i];
      if (write.kind === 'written') pending.resolve({ kind: 'booked', booking: write.booking });
      // A seat MySQL already has means a stale pool: that booking tries again alone (which rebuilds).
      else if (write.error instanceof SeatAlreadyTakenError) pending.resolve({ kind: 'alone' });
      else pending.reject(write.error);
    });
    return refused.length;
  }
}

function earliest(deadlines: Deadline[]): Deadline {
  return deadlines.reduce((a, b) => (b.expiresAt < a.expiresAt ? b : a));
}
