import { Deadline } from '../../platform/concurrency/deadline';
import { DeadlineExceededError, InventoryUnsettledError, SeatsInLimboError } from '../../shared/errors/domain-errors';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import type { ReservationSweeper } from './reservation-sweeper';
import type { InventoryRebuilder } from './inventory-rebuilder';
import { SeatAlreadyTakenError } from './seat-inventory';
import type { SeatPool } from './seat-pool';
import { SeatReservation } from './seat-reservation';
import type { SeatsInLimbo } from './seats-in-limbo';
import type { AttemptOutcome, SeatStrategy } from './strategies/seat-strategy';
import { StrategyRegistry } from './strategies/strategy-registry';

/** A strategy that answers from a script, one outcome per attempt (the last one repeats). */
class ScriptedStrategy implements SeatStrategy {
  readonly name = 'scripted';
  attempts = 0;
  constructor(private readonly script: AttemptOutcome[]) {}
  attempt(): Promise<AttemptOutcome> {
    const outcome = this.script[Math.min(this.attempts, this.script.length - 1)];
    this.attempts += 1;
    return Promise.resolve(outcome);
  }
}

function reservationWith(script: AttemptOutcome[], soldOutMemo: { available: number } | null = null, inLimbo = 0) {
  const strategy = new ScriptedStrategy(script);
  const released: number[][] = [];
  const rebuilds: string[] = [];
  const pool = {
    knownSoldOut: () => (soldOutMemo ? { kind: 'sold-out' as const, available: soldOutMemo.available } : null),
    releaseReserved: (_eventId: number, seats: number[]) => {
      released.push(seats);
      return Promise.resolve(seats.length);
    },
  } as unknown as SeatPool;
  const rebuilder = {
    rebuild: (_id: number, reason: string) => (rebuilds.push(reason), Promise.resolve(10)),
  } as unknown as InventoryRebuilder;
  const sweeper = { requestReconcile: () => undefined } as unknown as ReservationSweeper;
  const limbo = { anywhere: () => Promise.resolve(inLimbo) } as unknown as SeatsInLimbo;
  const config = { reservationTtlMs: 30_000 } as ConstructorParameters<typeof SeatReservation>[6];
  const reservation = new SeatReservation(
    new StrategyRegistry([strategy]),
    pool,
    rebuilder,
    sweeper,
    limbo,
    new SeatguardMetrics(),
    config,
  );
  return { reservation, strategy, released, rebuilds };
}

const request = (deadlineMs = 1000) => ({ eventId: 1, strategy: 'scripted', quantity: 2, deadline: Deadline.in(deadlineMs) });
const taken = { kind: 'taken' as const, seats: [1, 2] };

describe('SeatReservation', () => {
  it('retries a conflict after a backoff and commits the seats once', async () => {
    const { reservation, strategy } = reservationWith([
      { kind: 'conflict', reason: 'raced' },
      { kind: 'conflict', reason: 'raced' },
      taken,
    ]);
    const commits: number[][] = [];
    const result = await reservation.reserve(request(), async (seats) => (commits.push(seats), 'booked'));
    expect(result).toEqual({ kind: 'committed', value: 'booked' });
    expect(strategy.attempts).toBe(3);
    expect(commits).toEqual([[1, 2]]);
  });

  it('answers sold out from the memo without an attempt', async () => {
    const { reservation, strategy } = reservationWith([taken], { available: 1 });
    expect(await reservation.reserve(request(), () => Promise.resolve('never'))).toEqual({ kind: 'sold-out', available: 1 });
    expect(strategy.attempts).toBe(0);
  });

  it.each([
    ['the memo', { available: 1 }, []],
    ['an attempt', null, [{ kind: 'sold-out' as const, available: 1 }]],
  ])(
    'sold out (from %s) while seats that could serve the request are in limbo: 503 SEATS_IN_LIMBO, not SOLD_OUT',
    async (_from, memo, script) => {
      const { reservation } = reservationWith(script.length ? script : [taken], memo, 1);
      await expect(reservation.reserve(request(), () => Promise.resolve('never'))).rejects.toBeInstanceOf(SeatsInLimboError);
    },
  );

  it('sold out, and the seats in limbo could not serve the request either: SOLD_OUT', async () => {
    const { reservation } = reservationWith([{ kind: 'sold-out', available: 0 }], null, 1); // 2 wanted, at most 1 could come back
    expect(await reservation.reserve(request(), () => Promise.resolve('never'))).toEqual({ kind: 'sold-out', available: 0 });
  });

  it('rebuilds a missing pool from MySQL, then takes', async () => {
    const { reservation, rebuilds } = reservationWith([{ kind: 'missing' }, taken]);
    expect(await reservation.reserve(request(), () => Promise.resolve('ok'))).toEqual({ kind: 'committed', value: 'ok' });
    expect(rebuilds).toEqual(['missing']);
  });

  it('gives up with 503 INVENTORY_UNSETTLED when the pool keeps disappearing', async () => {
    const { reservation, rebuilds } = reservationWith([{ kind: 'missing' }]);
    await expect(reservation.reserve(request(), () => Promise.resolve('never'))).rejects.toBeInstanceOf(InventoryUnsettledError);
    expect(rebuilds).toHaveLength(3);
  });

  it('gives the seats back when the commit fails, and rethrows', async () => {
    const { reservation, released } = reservationWith([taken]);
    const failure = new Error('mysql went away');
    await expect(reservation.reserve(request(), () => Promise.reject(failure))).rejects.toBe(failure);
    expect(released).toEqual([[1, 2]]);
  });

  it('keeps the seats when the commit says they may be sold', async () => {
    const { reservation, released } = reservationWith([taken]);
    const unknown = Object.assign(new Error('commit answer lost'), { seatsMayBeSold: true });
    await expect(reservation.reserve(request(), () => Promise.reject(unknown))).rejects.toBe(unknown);
    expect(released).toEqual([]);
  });

  it('on a seat MySQL already sold: gives back, rebuilds, tries again', async () => {
    const { reservation, released, rebuilds } = reservationWith([taken, { kind: 'taken', seats: [3, 4] }]);
    let calls = 0;
    const result = await reservation.reserve(request(), (seats) => {
      calls += 1;
      return calls === 1 ? Promise.reject(new SeatAlreadyTakenError('dup')) : Promise.resolve(seats);
    });
    expect(result).toEqual({ kind: 'committed', value: [3, 4] });
    expect(released).toEqual([[1, 2]]);
    expect(rebuilds).toEqual(['seat-conflict']);
  });

  it('gives up with 503 INVENTORY_UNSETTLED after MAX_SEAT_CONFLICTS (3) seats MySQL already sold, giving each back', async () => {
    const { reservation, strategy, released, rebuilds } = reservationWith([taken]);
    let commits = 0;
    const failure = await reservation
      .reserve(request(10_000), () => {
        commits += 1;
        return Promise.reject(new SeatAlreadyTakenError('dup'));
      })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InventoryUnsettledError);
    expect(failure).toMatchObject({ status: 503, code: 'INVENTORY_UNSETTLED' });
    // Three conflicts are tolerated (each rebuilds and retries); the fourth gives up without another rebuild.
    expect(commits).toBe(4);
    expect(strategy.attempts).toBe(4);
    expect(rebuilds).toEqual(['seat-conflict', 'seat-conflict', 'seat-conflict']);
    expect(released).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
  });

  it('never answers "busy": endless contention ends in DEADLINE_EXCEEDED at the deadline', async () => {
    const { reservation, strategy } = reservationWith([{ kind: 'conflict', reason: 'raced' }]);
    // Long enough that even a busy machine retries more than once before the deadline (the guard below).
    await expect(reservation.reserve(request(400), () => Promise.resolve('never'))).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(strategy.attempts).toBeGreaterThan(1);
  });
});
