import { Deadline } from '../../../platform/concurrency/deadline';
import { AmbiguousCommitError } from '../../../platform/database/bounded-sql';
import type { SeatBatches } from '../../inventory/batching/seat-batches';
import type { SeatShare } from '../../inventory/batching/seat-shares';
import { SeatAlreadyTakenError } from '../../inventory/seat-inventory';
import { SeatguardMetrics } from '../../../platform/metrics/seatguard-metrics';
import type { BatchWrite, BookingBatchWriter } from '../persistence/booking-batch-writer.mysql';
import { CustomerLimitExceededError, NewBooking } from '../persistence/bookings.repository';
import { BatchCommitLost, BookingBatcher, BatchMember } from './booking-batcher';

/** A pool that hands out seats from 1 in batch order (or says sold out past `capacity`), and records what came back. */
class FakeSeats {
  next = 1;
  batches: number[][] = [];
  givenBack: number[] = [];
  constructor(private readonly capacity: number) {}
  supports = (strategy: string) => strategy !== 'unsafe';
  take = async ({ quantities }: { quantities: number[] }): Promise<SeatShare[]> => {
    this.batches.push(quantities);
    return quantities.map((q) => {
      const left = this.capacity - this.next + 1;
      if (q > left) return { kind: 'sold-out', available: left };
      const seats = Array.from({ length: q }, (_, i) => this.next + i);
      this.next += q;
      return { kind: 'taken', seats };
    });
  };
  giveBack = async (_eventId: number, seats: number[]) => void this.givenBack.push(...seats);
}

/** MySQL's answer per booking, by customer: refused with an error, or written. */
class FakeWriter {
  refuse = new Map<string, Error>();
  failWith: Error | null = null;
  write = async (_eventId: number, rows: NewBooking[]): Promise<BatchWrite[]> => {
    if (this.failWith) throw this.failWith;
    return rows.map((b, i): BatchWrite => {
      const error = this.refuse.get(b.customerEmail);
      if (error) return { kind: 'refused', error };
      return {
        kind: 'written',
        booking: { ...b, id: i + 1, status: 'confirmed', expiresAt: null, createdAt: new Date(), cancelledAt: null },
      };
    });
  };
}

function batcher(capacity = 10) {
  const seats = new FakeSeats(capacity);
  const writer = new FakeWriter();
  const config = { batchMax: 50, batchMaxWaitMs: 1000, deadlineMs: 5000 } as ConstructorParameters<typeof BookingBatcher>[3];
  const b = new BookingBatcher(seats as unknown as SeatBatches, writer as unknown as BookingBatchWriter, new SeatguardMetrics(), config);
  const member = (email: string, quantity = 1, strategy = 'atomic'): BatchMember => ({
    eventId: 1,
    strategy,
    quantity,
    deadline: Deadline.in(5000),
    draft: (s) => ({
      reference: `bk_${email}`,
      secretHash: 'x',
      eventId: 1,
      customerEmail: email,
      quantity,
      seats: s,
      strategy,
      idempotencyKeyHash: null,
      requestHash: null,
      maxPerCustomer: null,
      holdUntil: null,
    }),
  });
  return { b, seats, writer, member };
}

describe('BookingBatcher', () => {
  it('answers every booking of one batch on its own: booked, refused (its seats back first), or alone', async () => {
    const { b, seats, writer, member } = batcher(4);
    writer.refuse.set('limit@x', new CustomerLimitExceededError());
    writer.refuse.set('stale@x', new SeatAlreadyTakenError(null));
    const answers = await Promise.allSettled([
      b.book(member('a@x')),
      b.book(member('limit@x')),
      b.book(member('stale@x')),
      b.book(member('b@x')),
      b.book(member('big@x', 2)),
    ]);
    expect(seats.batches).toEqual([[1, 1, 1, 1, 2]]); // one batch, one Redis step
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value.kind : (a.reason as Error).constructor.name))).toEqual([
      'booked',
      'CustomerLimitExceededError',
      'alone',
      'booked',
      // Turned away by the Redis step, but the batch gave seats 2 and 3 back: SOLD_OUT would not be true.
      'alone',
    ]);
    expect(seats.givenBack.sort()).toEqual([2, 3]);
  });

  it('a booking the Redis step turned away hears SOLD_OUT only when the batch gave no seat back', async () => {
    const { b, seats, member } = batcher(4);
    const answers = await Promise.all(['a@x', 'b@x', 'c@x', 'd@x'].map((e) => b.book(member(e))).concat(b.book(member('big@x', 2))));
    expect(answers.map((a) => a.kind)).toEqual(['booked', 'booked', 'booked', 'booked', 'sold-out']);
    expect(seats.givenBack).toEqual([]);
  });

  it('a lost COMMIT answer: every booking of the batch is told so with its own seats, none given back', async () => {
    const { b, seats, writer, member } = batcher();
    writer.failWith = new AmbiguousCommitError(new Error('connection lost'));
    const answers = await Promise.allSettled([b.book(member('a@x')), b.book(member('b@x', 2))]);
    const lost = answers.map((a) => (a.status === 'rejected' ? a.reason : null));
    expect(lost.every((e) => e instanceof BatchCommitLost)).toBe(true);
    expect(lost.map((e) => (e as BatchCommitLost).seats)).toEqual([[1], [2, 3]]);
    expect(seats.givenBack).toEqual([]);
  });

  it("a batch MySQL rolled back whole (deadlock): seats back, each booking goes alone; another failure is everyone's", async () => {
    const { b, seats, writer, member } = batcher();
    writer.failWith = Object.assign(new Error('Deadlock found'), { errno: 1213 });
    const alone = await Promise.all([b.book(member('a@x')), b.book(member('b@x'))]);
    expect(alone.map((a) => a.kind)).toEqual(['alone', 'alone']);
    expect(seats.givenBack).toEqual([1, 2]);
    writer.failWith = Object.assign(new Error('refused'), { errno: 1045 });
    await expect(b.book(member('c@x'))).rejects.toThrow('refused');
    expect(seats.givenBack).toEqual([1, 2, 3]);
  });

  it('a strategy without a batch step goes alone without queueing', async () => {
    const { b, seats, member } = batcher();
    expect(await b.book(member('a@x', 1, 'unsafe'))).toEqual({ kind: 'alone' });
    expect(seats.batches).toEqual([]);
  });
});
