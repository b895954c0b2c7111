import { ChildProcess, fork } from 'node:child_process';
import { join, sep } from 'node:path';
import type { BuyerLog, QueuedSaleOptions } from './queued-sale';

/** What a buyer process is given: a QueuedSale's options without the callbacks (it reports instead). */
export type BuyerSliceOptions = Omit<QueuedSaleOptions, 'onStatus' | 'onFailure' | 'onSold'>;

export type ToBuyers =
  | { do: 'join'; options: BuyerSliceOptions; prefix: string; concurrency: number }
  | { do: 'run'; followWithinMs: number }
  | { do: 'finish'; waiting: string[]; withinMs: number };

export type FromBuyers =
  | { kind: 'joined'; buyers: number; lostJoins: string[] }
  | { kind: 'following' }
  | { kind: 'sold'; at: number }
  | { kind: 'report'; report: BuyersReport }
  | { kind: 'failed'; error: string };

/** What the buyers did, merged over the processes. */
export interface BuyersReport {
  buyers: BuyerLog[];
  lostJoins: string[];
  /** Every answer status the buyers got (0: no answer). */
  statuses: Record<number, number>;
  /** The first few fetches that failed without an answer. */
  failures: string[];
  /** How late the busiest process's event loop ran at most, from `run` to the end (ms). */
  loopLagMaxMs: number;
}

/** The compiled entry (the proof runs from TypeScript sources under jest; a child runs the production build). */
const ENTRY = __dirname.includes(`${sep}dist${sep}`)
  ? join(__dirname, 'buyer-process.js')
  : join(__dirname, '..', '..', 'dist', 'tools', 'waiting-room', 'buyer-process.js');

/**
 * A QueuedSale played by several processes, each a slice of the buyers. At the
 * issue's size one process cannot play every buyer: 20,000 open streams pass
 * the 20,000 file descriptors a process may hold here, and one event loop told
 * sold_out on 20,000 streams in the same second measures its own backlog.
 * Receive times are Date.now() in each process: one clock, one machine.
 */
export class BuyerProcesses {
  private readonly children: ChildProcess[];
  private readonly sold: number[] = [];
  private readonly replies = new Map<ChildProcess, FromBuyers[]>();
  /** Processes that have sent their report: they exit right after, which is no failure. */
  private readonly reported = new Set<ChildProcess>();
  private readonly waiters = new Set<() => void>();
  private failure: Error | undefined;
  private seats = Infinity;
  private lastSeat: ((at: number) => void) | undefined;

  constructor(
    count: number,
    private readonly options: BuyerSliceOptions,
  ) {
    this.children = Array.from({ length: count }, () => fork(ENTRY, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    for (const child of this.children) {
      this.replies.set(child, []);
      child.on('message', (message: FromBuyers) => this.received(child, message));
      child.once('exit', (code, signal) => {
        if (this.reported.has(child)) return;
        this.fail(new Error(`a buyer process exited (${signal ?? code}) before its report`));
      });
    }
  }

  /** Joins every buyer, `concurrency` at a time in each process; how many got a ticket, and whose answers were lost. */
  async joinAll(concurrency: number): Promise<{ buyers: number; lostJoins: string[] }> {
    const count = this.children.length;
    const joined = await this.ask('joined', (i) => ({
      do: 'join',
      options: { ...this.options, buyers: Math.floor(this.options.buyers / count) + (i < this.options.buyers % count ? 1 : 0) },
      prefix: `buyer${i}x`,
      concurrency,
    }));
    return { buyers: joined.reduce((n, j) => n + j.buyers, 0), lostJoins: joined.flatMap((j) => j.lostJoins) };
  }

  /** Every buyer follows its ticket and acts; resolves once each follows it (on streams: each has opened its stream). */
  async run(followWithinMs: number): Promise<void> {
    await this.ask('following', () => ({ do: 'run', followWithinMs }));
  }

  /** When a buyer was told 201 for the `seats`-th seat (resolves once `seats` buyers were). */
  soldOut(seats: number): Promise<number> {
    this.seats = seats;
    return new Promise((resolve) => {
      this.lastSeat = resolve;
      this.checkSoldOut();
    });
  }

  /** Waits (up to `withinMs`) until every ticket in `waiting` has seen sold_out, stops every buyer, and reports. */
  async finish(waiting: string[], withinMs: number): Promise<BuyersReport> {
    const reports = (await this.ask('report', () => ({ do: 'finish', waiting, withinMs }))).map((r) => r.report);
    const statuses: Record<number, number> = {};
    for (const r of reports)
      for (const [status, n] of Object.entries(r.statuses)) statuses[Number(status)] = (statuses[Number(status)] ?? 0) + n;
    return {
      buyers: reports.flatMap((r) => r.buyers),
      lostJoins: reports.flatMap((r) => r.lostJoins),
      statuses,
      failures: reports.flatMap((r) => r.failures).slice(0, 3),
      loopLagMaxMs: Math.max(...reports.map((r) => r.loopLagMaxMs)),
    };
  }

  /** Ends every process (after finish they end by themselves; this is for a test that failed before). */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        this.reported.add(child);
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
  }

  private received(child: ChildProcess, message: FromBuyers): void {
    if (message.kind === 'sold') {
      this.sold.push(message.at);
      return this.checkSoldOut();
    }
    if (message.kind === 'failed') return this.fail(new Error(`a buyer process failed: ${message.error}`));
    if (message.kind === 'report') this.reported.add(child);
    this.replies.get(child)?.push(message);
    for (const wake of [...this.waiters]) wake();
  }

  /** The last seat is the latest of the first `seats` 201s (processes report them in their own order). */
  private checkSoldOut(): void {
    if (!this.lastSeat || this.sold.length < this.seats) return;
    const resolve = this.lastSeat;
    this.lastSeat = undefined;
    resolve(Math.max(...[...this.sold].sort((a, b) => a - b).slice(0, this.seats)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const wake of [...this.waiters]) wake();
  }

  /** Sends each process its message and waits for one reply of `kind` from each. */
  private async ask<K extends FromBuyers['kind']>(kind: K, message: (i: number) => ToBuyers): Promise<Extract<FromBuyers, { kind: K }>[]> {
    this.children.forEach((child, i) => child.send(message(i)));
    return Promise.all(
      this.children.map(
        (child) =>
          new Promise<Extract<FromBuyers, { kind: K }>>((resolve, reject) => {
            const check = () => {
              if (this.failure) {
                this.waiters.delete(check);
                return reject(this.failure);
              }
              const queue = this.replies.get(child) ?? [];
              const at = queue.findIndex((m) => m.kind === kind);
              if (at < 0) return;
              this.waiters.delete(check);
              resolve(queue.splice(at, 1)[0] as Extract<FromBuyers, { kind: K }>);
            };
            this.waiters.add(check);
            check();
          }),
      ),
    );
  }
}
