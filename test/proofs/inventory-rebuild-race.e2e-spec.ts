import { InventoryUnsettledError } from '../../src/shared/errors/domain-errors';
import { InventoryRebuilder } from '../../src/domain/inventory/inventory-rebuilder';
import { TicketLedger } from '../../src/domain/inventory/persistence/ticket-ledger';
import { SeatPool } from '../../src/domain/inventory/seat-pool';
import { KNOWN_INVENTORIES_KEY, seatKeys } from '../../src/domain/inventory/seat-keys';
import { SeatguardMetrics } from '../../src/platform/metrics/seatguard-metrics';
import { closeTestRedis, testRedis } from '../support/test-redis';

/**
 * A rebuild racing a cancellation, on the real Redis scripts: the rebuild reads
 * MySQL's tickets (a snapshot), a cancellation frees a seat and returns it to
 * the pool before the snapshot is written back. Written as it was read, the
 * snapshot would drop the returned seat (neither free nor sold: stranded); the
 * generation check makes the rebuild read again. MySQL is a scripted ledger
 * here, so the interleaving happens exactly where it must, every time.
 */
class ScriptedLedger extends TicketLedger {
  snapshots = 0;
  constructor(
    public tickets: number[],
    private readonly capacity: number,
    /** Runs inside a snapshot: after the tickets were read, before the rebuild writes them. */
    private readonly duringSnapshot: (ledger: ScriptedLedger) => Promise<void> = async () => undefined,
  ) {
    super();
  }
  async ticketedSeats(): Promise<number[]> {
    this.snapshots += 1;
    const read = [...this.tickets];
    await this.duringSnapshot(this);
    return read;
  }
  async ticketedAmong(_eventId: number, seats: number[]): Promise<Set<number>> {
    return new Set(seats.filter((s) => this.tickets.includes(s)));
  }
  async capacityOf(): Promise<number | null> {
    return this.capacity;
  }
  async isCancelled(): Promise<boolean> {
    return false;
  }
  async liveCapacities(): Promise<Map<number, number>> {
    return new Map();
  }
}

describe('inventory rebuild racing a cancellation (real Redis)', () => {
  // Far from any event the other suites create: these keys are this suite's alone.
  let eventId = 2_000_000_000;
  let pool: SeatPool;
  const metrics = new SeatguardMetrics();

  const freeSeats = async (id: number) => (await testRedis().zrange(seatKeys(id).free, 0, '-1')).map(Number);
  /** MySQL's side of a cancellation (the ticket row goes), then the app's: the seat back to the pool. */
  const cancel = async (ledger: ScriptedLedger, id: number, seat: number) => {
    ledger.tickets = ledger.tickets.filter((s) => s !== seat);
    await pool.returnCancelled(id, [seat]);
  };

  beforeAll(() => {
    pool = new SeatPool(testRedis(), metrics);
    pool.onModuleInit();
  });
  beforeEach(() => {
    eventId += 1;
  });
  afterEach(async () => {
    const k = seatKeys(eventId);
    await testRedis().del(k.free, k.reserved, k.meta, k.generation);
    await testRedis().srem(KNOWN_INVENTORIES_KEY, String(eventId));
  });
  afterAll(async () => {
    await closeTestRedis();
  });

  it('a cancellation during the snapshot makes the rebuild read again: the returned seat is free, not stranded', async () => {
    const ledger = new ScriptedLedger([1, 2, 3], 5);
    const rebuilder = new InventoryRebuilder(pool, ledger, metrics);
    expect(await rebuilder.rebuild(eventId, 'missing')).toBe(2);
    expect(await freeSeats(eventId)).toEqual([4, 5]);

    let cancelled = false;
    const racing = new ScriptedLedger([1, 2, 3], 5, async (l) => {
      if (cancelled) return;
      cancelled = true;
      await cancel(l, eventId, 2);
    });
    const racedRebuilder = new InventoryRebuilder(pool, racing, metrics);
    expect(await racedRebuilder.rebuild(eventId, 'seat-conflict')).toBe(3);
    // The race really happened: the first snapshot went stale and a second one was read.
    expect(racing.snapshots).toBe(2);
    expect(await freeSeats(eventId)).toEqual([2, 4, 5]);
  });

  it('control: the stale snapshot written as read would strand the seat, which is why the pool refuses it', async () => {
    const ledger = new ScriptedLedger([1, 2, 3], 5);
    await new InventoryRebuilder(pool, ledger, metrics).rebuild(eventId, 'missing');
    const staleGeneration = await pool.generation(eventId);
    await cancel(ledger, eventId, 2);
    expect(await freeSeats(eventId)).toEqual([2, 4, 5]);
    // The snapshot [1, 2, 3] from before the cancellation: refused (-1), the pool left as the cancellation made it.
    expect(await pool.rebuild(eventId, 5, staleGeneration, [1, 2, 3])).toBe(-1);
    expect(await freeSeats(eventId)).toEqual([2, 4, 5]);
    // Written with the current generation, the same stale snapshot strands seat 2: what the check prevents.
    expect(await pool.rebuild(eventId, 5, await pool.generation(eventId), [1, 2, 3])).toBe(2);
    expect(await freeSeats(eventId)).toEqual([4, 5]);
  });

  it('cancellations during every snapshot: 503 INVENTORY_UNSETTLED after five tries, never a stale pool', async () => {
    const ledger = new ScriptedLedger([1, 2, 3, 4, 5], 6);
    await new InventoryRebuilder(pool, ledger, metrics).rebuild(eventId, 'missing');
    const always = new ScriptedLedger([1, 2, 3, 4, 5], 6, async (l) => cancel(l, eventId, l.tickets[0]));
    await expect(new InventoryRebuilder(pool, always, metrics).rebuild(eventId, 'seat-conflict')).rejects.toBeInstanceOf(
      InventoryUnsettledError,
    );
    expect(always.snapshots).toBe(5);
    // Every cancelled seat is free; nothing was overwritten by a stale snapshot.
    expect(await freeSeats(eventId)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
