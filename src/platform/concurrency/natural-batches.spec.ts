import { NaturalBatches, Pending } from './natural-batches';

/** A batch runner the test finishes by hand: every batch it was given, and a way to end each. */
function manualRunner() {
  const batches: { items: number[]; pending: Pending<number, string>[]; finish: () => void }[] = [];
  const run = (_key: string, pending: Pending<number, string>[]) =>
    new Promise<void>((finish) => batches.push({ items: pending.map((p) => p.item), pending, finish }));
  return { batches, run };
}

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 1000 && !condition(); i += 1) await new Promise((r) => setImmediate(r));
  if (!condition()) throw new Error('condition never held');
};

describe('NaturalBatches', () => {
  it('starts a lone item at once, and those arriving meanwhile leave together when it ends', async () => {
    const { batches, run } = manualRunner();
    const queue = new NaturalBatches<number, string>({ max: 10, maxWaitMs: 60_000, maxParallel: 4 }, run);
    const first = queue.submit('e1', 1);
    await until(() => batches.length === 1);
    const later = [2, 3, 4].map((n) => queue.submit('e1', n));
    expect(queue.state('e1')).toEqual({ inFlight: 1, waiting: 3 });
    batches[0].pending[0].resolve('one');
    batches[0].finish();
    await until(() => batches.length === 2);
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    batches[1].pending.forEach((p) => p.resolve(`n${p.item}`));
    batches[1].finish();
    expect(await first).toBe('one');
    expect(await Promise.all(later)).toEqual(['n2', 'n3', 'n4']);
  });

  it('keeps keys apart, caps a batch by count and by weight, and rejects what a batch left unanswered', async () => {
    const { batches, run } = manualRunner();
    const queue = new NaturalBatches<number, string>({ max: 3, maxWaitMs: 60_000, maxParallel: 1, weight: (n) => n, maxWeight: 5 }, run);
    const other = queue.submit('e2', 9);
    const blocker = queue.submit('e1', 1);
    await until(() => batches.length === 2);
    const waiting = [1, 1, 1, 2, 4].map((n) => queue.submit('e1', n));
    const settled = Promise.allSettled(waiting);
    batches[0].finish(); // e2's batch answers nobody
    await expect(other).rejects.toThrow('without answering');
    batches[1].finish();
    await expect(blocker).rejects.toThrow();
    await until(() => batches.length === 3);
    expect(batches[2].items).toEqual([1, 1, 1]); // max 3
    batches[2].finish();
    await until(() => batches.length === 4);
    expect(batches[3].items).toEqual([2]); // 2 + 4 > weight 5
    batches[3].finish();
    await until(() => batches.length === 5);
    expect(batches[4].items).toEqual([4]);
    batches[4].finish();
    expect((await settled).map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
  });

  it('starts a second batch beside a slow one once an item has waited the max wait', async () => {
    const { batches, run } = manualRunner();
    const queue = new NaturalBatches<number, string>({ max: 10, maxWaitMs: 5, maxParallel: 2 }, run);
    void queue.submit('e1', 1).catch(() => undefined);
    await until(() => batches.length === 1);
    void queue.submit('e1', 2).catch(() => undefined);
    const deadline = Date.now() + 5000;
    while (batches.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(batches.map((b) => b.items)).toEqual([[1], [2]]);
    expect(queue.state('e1').inFlight).toBe(2);
    batches.forEach((b) => b.finish());
  });
});
