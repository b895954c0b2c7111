import { parseArgs } from 'node:util';
import { STRATEGY_NAMES } from '../src/domain/inventory/strategies/strategy-name';
import { positive } from './bench-options';

/** The soak switches events among every production strategy. */
export const SOAK_STRATEGIES = STRATEGY_NAMES;

export interface SoakOptions {
  seconds: number;
  /** RSS and heap "at start" are read when the warm-up ends, once pools, JIT and caches have filled. */
  warmupSeconds: number;
  events: number;
  /** Buyers running at once, each one request at a time. */
  concurrency: number;
  /** Share of a buyer's turns spent cancelling one of the bookings held (the rest: 10 % reads, then bookings). */
  cancelShare: number;
  /** Every this many ms an admin moves a few events to another strategy. */
  switchEveryMs: number;
  /** Median RSS of the last third of readings may exceed that of the first third by this share before the soak calls it a leak. */
  rssGrowthLimit: number;
  /** Control run: every event on `unsafe` (the app must allow it); the soak must then fail. */
  control: boolean;
  outDir: string;
}

const HELP = `npm run soak -- [options]
  --seconds=N         length of the soak, warm-up included (default 300)
  --warmup=N          seconds before the starting RSS and heap are read (default 30)
  --events=N          events sold at once (default 50)
  --concurrency=N     buyers at once (default 32)
  --cancel-share=F    share of turns that cancel a held booking (default 0.3)
  --switch-every=MS   how often an admin switches a few events' strategies (default 2000)
  --rss-growth=F      median RSS growth, first third to last third of readings (default 0.25)
  --control           every event on the unsafe strategy: shows the checks catch an oversell
  --out=DIR           where the JSON report goes (default bench/results)`;

export function parseSoakOptions(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      events: { type: 'string' },
      concurrency: { type: 'string' },
      'cancel-share': { type: 'string' },
      'switch-every': { type: 'string' },
      'rss-growth': { type: 'string' },
      control: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const seconds = positive(values.seconds, 300, 'seconds');
  const options: SoakOptions = {
    seconds,
    warmupSeconds: positive(values.warmup, Math.min(30, Math.floor(seconds / 5)) || 1, 'warmup'),
    events: positive(values.events, 50, 'events'),
    concurrency: positive(values.concurrency, 32, 'concurrency'),
    cancelShare: positive(values['cancel-share'], 0.3, 'cancel-share', false),
    switchEveryMs: positive(values['switch-every'], 2000, 'switch-every'),
    rssGrowthLimit: positive(values['rss-growth'], 0.25, 'rss-growth', false),
    control: values.control ?? false,
    outDir: values.out ?? 'bench/results',
  };
  if (options.cancelShare >= 0.9) throw new Error('--cancel-share must leave room for bookings (below 0.9)');
  if (options.warmupSeconds >= seconds) throw new Error('--warmup must be shorter than --seconds');
  return options;
}
