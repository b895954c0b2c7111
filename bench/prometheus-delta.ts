/** Reads the app's /metrics and tells what a run added to the counters it cares about. */

export type Samples = Map<string, number>;

const LINE = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)/;

/** `/metrics` needs the admin token: `headers` carries it. */
export async function scrape(baseUrl: string, headers: Record<string, string>): Promise<Samples> {
  const text = await (await fetch(`${baseUrl}/metrics`, { headers })).text();
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    const m = line.startsWith('#') ? null : LINE.exec(line);
    if (m) samples.set(m[1], Number(m[2]));
  }
  return samples;
}

export interface StrategyCounters {
  watchAborts: number;
  lockContended: number;
  lockExtended: number;
  lockLost: number;
  meanAttempts: number;
  /** Upper bound of the highest attempts bucket any booking of the run fell in. */
  maxAttemptsAtMost: number | null;
  luaCalls: number;
  rebuilds: number;
  seatsReturned: number;
  /** Mean time of a booking (all answers) and of a MySQL transaction, in ms: how much of a booking is the write. */
  meanBookingMs: number;
  meanTransactionMs: number;
  /** Group commit: bookings per batch that reached MySQL (0 when one at a time), and MySQL transaction time per booking written. */
  meanBatchSize: number;
  transactionMsPerBooking: number;
}

function sum(before: Samples, after: Samples, matches: (key: string) => boolean): number {
  let total = 0;
  for (const [key, value] of after) if (matches(key)) total += value - (before.get(key) ?? 0);
  return total;
}

/** Mean of a histogram over the run, in ms. */
function mean(before: Samples, after: Samples, name: string, label: string): number {
  const count = sum(before, after, (k) => k.startsWith(`${name}_count`) && k.includes(label));
  const total = sum(before, after, (k) => k.startsWith(`${name}_sum`) && k.includes(label));
  return count ? (total / count) * 1000 : 0;
}

export function strategyCounters(before: Samples, after: Samples, strategy: string): StrategyCounters {
  const s = (prefix: string, label = '') => sum(before, after, (k) => k.startsWith(prefix) && k.includes(label));
  const attemptsCount = s('seatguard_booking_attempts_count', `strategy="${strategy}"`);
  const attemptsSum = s('seatguard_booking_attempts_sum', `strategy="${strategy}"`);
  let maxAttemptsAtMost: number | null = null;
  // Buckets are cumulative: the smallest `le` that holds every observation bounds the maximum.
  const buckets = [...after.keys()]
    .filter((k) => k.startsWith('seatguard_booking_attempts_bucket') && k.includes(`strategy="${strategy}"`))
    .map((k) => ({ le: Number(/le="([^"]+)"/.exec(k)?.[1]), n: (after.get(k) ?? 0) - (before.get(k) ?? 0) }))
    .sort((a, b) => a.le - b.le);
  for (const b of buckets) {
    if (attemptsCount > 0 && b.n >= attemptsCount) {
      maxAttemptsAtMost = b.le;
      break;
    }
  }
  const batches = s('seatguard_booking_batch_size_count', `strategy="${strategy}"`);
  const batchedBookings = s('seatguard_booking_batch_size_sum', `strategy="${strategy}"`);
  const transactions = s('seatguard_db_transaction_seconds_count');
  const transactionSeconds = s('seatguard_db_transaction_seconds_sum');
  return {
    watchAborts: s('seatguard_watch_aborts_total'),
    lockContended: s('seatguard_lock_events_total', 'event="contended"'),
    lockExtended: s('seatguard_lock_events_total', 'event="extended"'),
    lockLost: s('seatguard_lock_events_total', 'event="lost"'),
    meanAttempts: attemptsCount ? attemptsSum / attemptsCount : 0,
    maxAttemptsAtMost,
    luaCalls: s('seatguard_lua_calls_total'),
    rebuilds: s('seatguard_inventory_rebuilds_total'),
    seatsReturned: s('seatguard_seats_returned_total'),
    meanBookingMs: mean(before, after, 'seatguard_booking_duration_seconds', `strategy="${strategy}"`),
    meanTransactionMs: mean(before, after, 'seatguard_db_transaction_seconds', ''),
    meanBatchSize: batches ? batchedBookings / batches : 0,
    // One at a time, a booking is one transaction; batched, a transaction writes the whole batch.
    transactionMsPerBooking: (transactionSeconds * 1000) / Math.max(1, batchedBookings || transactions),
  };
}
