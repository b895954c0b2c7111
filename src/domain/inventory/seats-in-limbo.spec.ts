import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import type { SeatPool } from './seat-pool';
import { SeatsInLimbo } from './seats-in-limbo';

/** A pool that records what comes back, and can be away. */
function limboWithPool() {
  const released: number[][] = [];
  const shared = new Map<string, number>();
  const pool = {
    redisAway: false,
    onUnsettledTake: () => undefined,
    markInLimbo: (_eventId: number, id: string, seats: number) => (shared.set(id, seats), Promise.resolve()),
    clearLimbo: (_eventId: number, id: string) => (shared.delete(id), Promise.resolve()),
    seatsInLimbo: () => Promise.resolve([...shared.values()].reduce((a, b) => a + b, 0)),
    releaseReserved(_eventId: number, seats: number[]) {
      if (this.redisAway) return Promise.reject(new Error('Connection is closed.'));
      released.push(seats);
      return Promise.resolve(seats.length);
    },
  };
  const limbo = new SeatsInLimbo(pool as unknown as SeatPool, new SeatguardMetrics(), { reservationTtlMs: 30_000 });
  return { limbo, pool, released, shared };
}

/** A MySQL answer to "did it commit?" that the test gives when it wants. */
function mysqlSays() {
  const state = { away: true, committed: false, asked: 0 };
  const check = () => {
    state.asked += 1;
    return state.away ? Promise.reject(new Error('connect ECONNREFUSED')) : Promise.resolve(state.committed);
  };
  return { state, check };
}

describe('SeatsInLimbo', () => {
  afterEach(() => jest.useRealTimers());

  it('counts seats per event until MySQL answers; not committed, they go back once', async () => {
    const { limbo, released } = limboWithPool();
    const a = mysqlSays();
    const b = mysqlSays();
    limbo.add(1, [4, 5], a.check);
    limbo.add(1, [6], b.check);
    limbo.add(2, [1], mysqlSays().check);
    expect([limbo.seatsOf(1), limbo.seatsOf(2), limbo.seatsOf(3)]).toEqual([3, 1, 0]);

    await limbo.settleAll(); // MySQL still away: nothing settled, nothing returned
    expect({ inLimbo: limbo.seatsOf(1), released }).toEqual({ inLimbo: 3, released: [] });

    a.state.away = false;
    b.state.away = false;
    b.state.committed = true;
    await limbo.settleAll();
    await limbo.settleAll();
    expect({ inLimbo: limbo.seatsOf(1), released, askedA: a.state.asked }).toEqual({ inLimbo: 0, released: [[4, 5]], askedA: 2 });
    await limbo.onApplicationShutdown();
  });

  it('MySQL said "not committed" but Redis was away: the release is retried, MySQL is not asked again', async () => {
    const { limbo, pool, released } = limboWithPool();
    const a = mysqlSays();
    a.state.away = false;
    limbo.add(1, [9], a.check);
    pool.redisAway = true;
    await limbo.settleAll();
    expect({ inLimbo: limbo.seatsOf(1), released }).toEqual({ inLimbo: 1, released: [] });
    pool.redisAway = false;
    await limbo.settleAll();
    expect({ inLimbo: limbo.seatsOf(1), released, asked: a.state.asked }).toEqual({ inLimbo: 0, released: [[9]], asked: 1 });
    await limbo.onApplicationShutdown();
  });

  it('a take whose reply was lost counts its seats until a retried cancel gets through, or until its record lapses', async () => {
    const { limbo, shared } = limboWithPool();
    let redisAway = true;
    let cancels = 0;
    const cancel = () => ((cancels += 1), redisAway ? Promise.reject(new Error('Command timed out')) : Promise.resolve(2));
    limbo.addLostTake(1, 2, cancel, Date.now() + 60_000);
    const lapsed = limbo.addLostTake(3, 1, () => Promise.reject(new Error('Command timed out')), Date.now() - 1);
    expect([limbo.seatsOf(1), limbo.seatsOf(3), [...shared.values()]]).toEqual([2, 1, [2, 1]]);

    await limbo.settleAll(); // Redis away: still in limbo (the lapsed one is past its record: the sweeper has its seats)
    expect({ inLimbo: limbo.seatsOf(1), cancels }).toEqual({ inLimbo: 2, cancels: 1 });
    redisAway = false;
    await limbo.settleAll();
    await limbo.settleAll();
    expect({ inLimbo: [limbo.seatsOf(1), limbo.seatsOf(3)], cancels, shared: shared.size }).toEqual({
      inLimbo: [0, 0],
      cancels: 2,
      shared: 0,
    });
    lapsed(); // ending an entry already gone is a no-op
    expect(limbo.seatsOf(3)).toBe(0);

    // The first cancel got through: the answer ends the entry at once.
    const settled = limbo.addLostTake(1, 4, () => Promise.resolve(4), Date.now() + 60_000);
    expect(limbo.seatsOf(1)).toBe(4);
    settled();
    expect(limbo.seatsOf(1)).toBe(0);
    await limbo.onApplicationShutdown();
  });

  it('another instance learns of seats in limbo through the shared set, and of their settlement', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const { limbo, pool } = limboWithPool();
    const other = new SeatsInLimbo(pool as unknown as SeatPool, new SeatguardMetrics(), { reservationTtlMs: 30_000 });
    const a = mysqlSays();
    limbo.add(1, [4, 5], a.check);
    expect({ here: await limbo.anywhere(1), there: await other.anywhere(1), thereLocal: other.seatsOf(1) }).toEqual({
      here: 2,
      there: 2,
      thereLocal: 0,
    });
    a.state.away = false;
    await limbo.settleAll();
    jest.setSystemTime(Date.now() + 150); // past the other instance's copy of the count
    expect(await other.anywhere(1)).toBe(0);
    await limbo.onApplicationShutdown();
  });

  it('settles by itself, without a caller, as soon as MySQL answers', async () => {
    jest.useFakeTimers();
    const { limbo, released } = limboWithPool();
    const a = mysqlSays();
    limbo.add(1, [2], a.check);
    await jest.advanceTimersByTimeAsync(350);
    expect(released).toEqual([]);
    a.state.away = false;
    await jest.advanceTimersByTimeAsync(150);
    expect({ inLimbo: limbo.seatsOf(1), released }).toEqual({ inLimbo: 0, released: [[2]] });
    await limbo.onApplicationShutdown();
  });
});
