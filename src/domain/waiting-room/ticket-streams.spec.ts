import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import type { WaitingRoomConfig } from '../../platform/config/configuration';
import type { TicketStatus } from './ticket-status';
import { TicketStreamItem, TicketStreams } from './ticket-streams';
import type { TicketReading, WaitingRoomService } from './waiting-room.service';

const waiting = (reference: string, position: number): TicketStatus => ({
  reference,
  eventId: 7,
  status: 'waiting',
  position,
  estimatedWaitSeconds: position,
  opensAt: null,
  pollAfterMs: 1000,
});

/** The room's reads, counted: the close must reach waiting streams without any. */
class FakeRoom {
  reads = 0;
  readonly tickets = new Map<string, TicketStatus>();
  read(reference: string): Promise<TicketReading> {
    this.reads++;
    const answer = this.tickets.get(reference)!;
    return Promise.resolve({ answer, place: answer.position, admittedTotal: 0, opened: true });
  }
  soldOutNotice(reference: string, eventId: number): TicketStatus {
    return { reference, eventId, status: 'sold_out', position: null, estimatedWaitSeconds: null, opensAt: null, pollAfterMs: 1000 };
  }
}

/** The registry alone (no timers started: its sweep and heartbeat are not what these look at). */
function setUp() {
  const room = new FakeRoom();
  const metrics = new SeatguardMetrics();
  const streams = new TicketStreams(room as unknown as WaitingRoomService, metrics, { streamHeartbeatMs: 15_000 } as WaitingRoomConfig);
  const follow = async (reference: string) => {
    const seen: TicketStreamItem[] = [];
    let completed = false;
    (await streams.follow(reference, 'secret')).subscribe({ next: (item) => seen.push(item), complete: () => (completed = true) });
    return { seen, done: () => completed };
  };
  const open = async () => (await metrics.queueStreamsOpen.get()).values[0]?.value ?? 0;
  return { room, streams, follow, open };
}

describe('TicketStreams', () => {
  it("sends the status at once, and the room's close to every waiting stream without reading it, ending them", async () => {
    const { room, streams, follow, open } = setUp();
    room.tickets.set('a', waiting('a', 1));
    room.tickets.set('b', waiting('b', 5000));
    const a = await follow('a');
    const b = await follow('b');
    expect(a.seen).toEqual([{ status: waiting('a', 1) }]);
    expect(await open()).toBe(2);
    expect(room.reads).toBe(2);

    streams.sighted(7, { closed: false, admittedTotal: 0, opened: true });
    expect(a.done()).toBe(false);
    streams.sighted(7, { closed: true, admittedTotal: 0, opened: true });
    expect(room.reads).toBe(2);
    for (const s of [a, b]) {
      expect(s.seen.at(-1)).toMatchObject({ status: { status: 'sold_out' } });
      expect(s.done()).toBe(true);
    }
    expect(await open()).toBe(0);
  });

  it("the room's close is written to every waiting stream before any of them is ended", async () => {
    const { room, streams } = setUp();
    const log: string[] = [];
    for (const reference of ['a', 'b', 'c']) {
      room.tickets.set(reference, waiting(reference, 1));
      (await streams.follow(reference, 'secret')).subscribe({
        next: (item) => 'status' in item && item.status.status === 'sold_out' && log.push(`told ${reference}`),
        complete: () => log.push(`ended ${reference}`),
      });
    }
    streams.sighted(7, { closed: true, admittedTotal: 0, opened: true });
    expect(log).toEqual(['told a', 'told b', 'told c', 'ended a', 'ended b', 'ended c']);
  });

  it('keep-alive comments: each stream one at least every heartbeat period and no more often, streams opened together spread over the passes', async () => {
    const { room, streams } = setUp();
    const now = jest.spyOn(Date, 'now');
    const t0 = 1_000_000;
    now.mockReturnValue(t0);
    const comments = new Map<string, number[]>();
    for (let i = 0; i < 30; i++) {
      const reference = `k${i}`;
      room.tickets.set(reference, waiting(reference, i + 1));
      comments.set(reference, []);
      (await streams.follow(reference, 'secret')).subscribe({
        next: (item) => 'keepAlive' in item && comments.get(reference)!.push(Date.now()),
      });
    }
    const keepAlive = () => (streams as unknown as { keepAlive(): void }).keepAlive();
    const perPass: number[] = [];
    try {
      // Passes 1 s apart (HEARTBEAT_PASS_MS) for three 15 s periods.
      for (let at = t0 + 1000; at <= t0 + 45_000; at += 1000) {
        now.mockReturnValue(at);
        const before = [...comments.values()].flat().length;
        keepAlive();
        perPass.push([...comments.values()].flat().length - before);
      }
    } finally {
      now.mockRestore();
    }
    for (const times of comments.values()) {
      const gaps = [times[0] - t0, ...times.slice(1).map((t, i) => t - times[i])];
      expect(Math.max(...gaps)).toBeLessThanOrEqual(15_000);
      expect(Math.min(...gaps.slice(1))).toBeGreaterThanOrEqual(14_000);
    }
    expect(Math.max(...perPass)).toBeLessThan(30);
  });

  it('a final first status (sold out, expired, a used admission) ends the stream at once', async () => {
    const { room, follow, open } = setUp();
    room.tickets.set('x', { ...waiting('x', 1), status: 'expired', position: null });
    const x = await follow('x');
    expect(x.seen).toHaveLength(1);
    expect(x.done()).toBe(true);
    expect(await open()).toBe(0);
  });

  it('an admitted stream is not told sold_out unread at the close (it may have used its admission)', async () => {
    const { room, streams, follow } = setUp();
    const admitted: TicketStatus = {
      ...waiting('m', 1),
      status: 'admitted',
      position: null,
      admission: { token: 't', expiresAt: new Date(), usable: true },
    };
    room.tickets.set('m', admitted);
    const m = await follow('m');
    streams.sighted(7, { closed: true, admittedTotal: 1, opened: true });
    expect(m.seen).toHaveLength(1);
    expect(m.done()).toBe(false);
  });

  it('at most three streams per ticket on an instance: a fourth ends the oldest', async () => {
    const { room, follow, open } = setUp();
    room.tickets.set('t', waiting('t', 3));
    const tabs = [await follow('t'), await follow('t'), await follow('t')];
    expect(await open()).toBe(3);
    await follow('t');
    expect(tabs.map((t) => t.done())).toEqual([true, false, false]);
    expect(await open()).toBe(3);
  });

  it('shutdown ends every open stream', async () => {
    const { room, streams, follow, open } = setUp();
    room.tickets.set('s', waiting('s', 2));
    const s = await follow('s');
    await streams.onModuleDestroy();
    expect(s.done()).toBe(true);
    expect(await open()).toBe(0);
  });
});
