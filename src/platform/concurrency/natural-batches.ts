/** One waiting item and how to answer it. */
export interface Pending<I, R> {
  readonly item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export interface NaturalBatchOptions<I> {
  /** Items per batch at most. */
  max: number;
  /** An item waits at most this long for the batch in flight; then a batch starts beside it. */
  maxWaitMs: number;
  /** Batches of one key running at once at most (the max-wait ones included). */
  maxParallel: number;
  /** An item's weight (seats); a batch stays within `maxWeight` unless it is one item. */
  weight?: (item: I) => number;
  maxWeight?: number;
}

interface Lane<I, R> {
  queue: Pending<I, R>[];
  inFlight: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Natural batching (group commit), per key: an item that arrives while no
 * batch of its key is running starts one at once (no timer when traffic is
 * light); items that arrive while one runs wait and leave together, up to
 * `max`, when it ends. An item never waits longer than `maxWaitMs` for that:
 * a slow batch gets a second one beside it (up to `maxParallel`).
 *
 * `run` answers every item of its batch; an item it leaves unanswered is
 * rejected with the batch's error, or with an error saying so.
 */
export class NaturalBatches<I, R> {
  private readonly lanes = new Map<string, Lane<I, R>>();

  constructor(
    private readonly options: NaturalBatchOptions<I>,
    private readonly run: (key: string, batch: Pending<I, R>[]) => Promise<void>,
  ) {}

  submit(key: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let lane = this.lanes.get(key);
      if (!lane) {
        lane = { queue: [], inFlight: 0, timer: null };
        this.lanes.set(key, lane);
      }
      lane.queue.push({ item, resolve, reject });
      if (lane.inFlight === 0 && lane.queue.length === 1) {
        // Same-tick arrivals (one I/O phase) join before it leaves; no timer, no added latency.
        setImmediate(() => this.startNext(key));
      } else if (lane.inFlight > 0) {
        this.armTimer(key, lane);
      }
    });
  }

  /** Batches running and items waiting, for one key (tests and metrics). */
  state(key: string): { inFlight: number; waiting: number } {
    const lane = this.lanes.get(key);
    return { inFlight: lane?.inFlight ?? 0, waiting: lane?.queue.length ?? 0 };
  }

  private armTimer(key: string, lane: Lane<I, R>): void {
    if (lane.timer || lane.queue.length === 0) return;
    lane.timer = setTimeout(() => {
      lane.timer = null;
      if (lane.queue.length > 0 && lane.inFlight < this.options.maxParallel) this.startNext(key);
      else this.armTimer(key, lane);
      if (lane.queue.length === 0 && lane.inFlight === 0) this.lanes.delete(key);
    }, this.options.maxWaitMs);
    lane.timer.unref();
  }

  private startNext(key: string): void {
    const lane = this.lanes.get(key);
    if (!lane || lane.queue.length === 0) return;
    if (lane.timer) {
      clearTimeout(lane.timer);
      lane.timer = null;
    }
    const batch = this.takeBatch(lane);
    lane.inFlight += 1;
    // Those left behind wait for this batch, or for the max wait.
    this.armTimer(key, lane);
    const settled = batch.map((p) => settledOnce(p));
    void this.run(key, settled)
      .then(
        () => settled.forEach((p) => p.reject(new Error('the batch ended without answering this booking'))),
        (error: unknown) => settled.forEach((p) => p.reject(error)),
      )
      .finally(() => {
        lane.inFlight -= 1;
        if (lane.queue.length > 0) this.startNext(key);
        else if (lane.inFlight === 0 && !lane.timer) this.lanes.delete(key);
      });
  }

  private takeBatch(lane: Lane<I, R>): Pending<I, R>[] {
    const { max, weight, maxWeight } = this.options;
    if (!weight || maxWeight === undefined) return lane.queue.splice(0, max);
    let total = 0;
    let n = 0;
    while (n < lane.queue.length && n < max) {
      const w = weight(lane.queue[n].item);
      if (n > 0 && total + w > maxWeight) break;
      total += w;
      n += 1;
    }
    return lane.queue.splice(0, n);
  }
}

/** The first answer counts; later ones (the safety net's) are ignored. */
function settledOnce<I, R>(pending: Pending<I, R>): Pending<I, R> {
  let done = false;
  return {
    item: pending.item,
    resolve: (result) => {
      if (done) return;
      done = true;
      pending.resolve(result);
    },
    reject: (error) => {
      if (done) return;
      done = true;
      pending.reject(error);
    },
  };
}
