import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FromBuyers, ToBuyers } from './buyer-processes';
import { QueuedSale } from './queued-sale';

/**
 * One slice of a queued sale's buyers, in a process of its own (BuyerProcesses
 * forks it and talks to it over IPC): join, follow the tickets, say each 201
 * as it comes, and at the end report what every buyer saw.
 */
const statuses: Record<number, number> = {};
const failures: string[] = [];
const lag = monitorEventLoopDelay({ resolution: 10 });
let sale: QueuedSale | undefined;
let running: Promise<void> | undefined;
let lostJoins: string[] = [];

const send = (message: FromBuyers) => process.send!(message);

/** Polls `done` every 20 ms until it holds or `withinMs` passes; says whether it held. */
async function until(done: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

async function handle(message: ToBuyers): Promise<void> {
  switch (message.do) {
    case 'join': {
      sale = new QueuedSale({
        ...message.options,
        onStatus: (status) => (statuses[status] = (statuses[status] ?? 0) + 1),
        onFailure: (error) => {
          if (failures.length < 3) failures.push(String((error as Error).cause ?? error));
        },
        onSold: (at) => send({ kind: 'sold', at }),
      });
      await sale.joinAll(message.concurrency, message.prefix);
      lostJoins = [...sale.lostJoins];
      return void send({ kind: 'joined', buyers: sale.buyers.length, lostJoins });
    }
    case 'run': {
      const buyers = sale!.buyers;
      lag.enable();
      running = sale!.run();
      // On streams: every buyer has its stream open before the test goes on (the opening); polling buyers follow at once.
      if (!(await until(() => buyers.every((b) => b.streamsOpened > 0) || !sale!.listens, message.followWithinMs)))
        throw new Error(`${buyers.filter((b) => b.streamsOpened === 0).length} buyers still without a stream`);
      return void send({ kind: 'following' });
    }
    case 'finish': {
      const waiting = new Set(message.waiting);
      const mine = sale!.buyers.filter((b) => waiting.has(b.ticket.body.reference));
      await until(() => mine.every((b) => b.soldOutSeenAt !== undefined), message.withinMs);
      sale!.stop();
      await running;
      lag.disable();
      const report: FromBuyers = {
        kind: 'report',
        report: { buyers: sale!.buyers, lostJoins, statuses, failures, loopLagMaxMs: Math.round(lag.max / 1e6) },
      };
      // Done once the report is out: pooled keep-alive connections would keep the process up for seconds.
      return void process.send!(report, () => process.exit(0));
    }
  }
}

process.on('message', (message: ToBuyers) => {
  handle(message).catch((error: unknown) => send({ kind: 'failed', error: String((error as Error).stack ?? error) }));
});
