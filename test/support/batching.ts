import { metricsScraper } from './metrics-scraper';

/**
 * The booking path's two shapes (issue 19): one booking at a time, and group
 * commit. The proofs that matter under concurrency run on both.
 */
export const BATCH_MODES = [
  { mode: 'one at a time', env: { BOOKING_BATCH_MAX: '1' } },
  { mode: 'batched', env: { BOOKING_BATCH_MAX: '64' } },
] as const;

export type BatchMode = (typeof BATCH_MODES)[number]['mode'];

/** Bookings written and batches committed so far, from an instance's /metrics (every strategy). */
export async function batchCounters(url: string): Promise<{ batches: number; bookings: number }> {
  const text = await (await fetch(`${url}/metrics`, { headers: metricsScraper })).text();
  const total = (name: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  return { batches: total('seatguard_booking_batch_size_count'), bookings: total('seatguard_booking_batch_size_sum') };
}

/** What a run added to the counters of these instances: proves batches formed (mean size > 1), not just that answers were right. */
export async function batchesSince(
  urls: string[],
  before: { batches: number; bookings: number }[],
): Promise<{ batches: number; bookings: number; meanSize: number }> {
  const after = await Promise.all(urls.map(batchCounters));
  const batches = after.reduce((n, a, i) => n + a.batches - before[i].batches, 0);
  const bookings = after.reduce((n, a, i) => n + a.bookings - before[i].bookings, 0);
  return { batches, bookings, meanSize: batches ? bookings / batches : 0 };
}
