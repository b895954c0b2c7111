/**
 * The sale every fault drill runs (test/drills/drills.e2e-spec.ts, test/drills/cluster-failover.e2e-spec.ts):
 * an event on sale with buyers at work, finished and checked against docs/design.md §1, and the
 * tallies a drill reports its answers with.
 */
import Redis from 'ioredis';
import { FreePoolReader, readSaleState } from '../../tools/invariants/read-sale-state';
import { saleViolations } from '../../tools/invariants/sale-invariants';
import { Attempt, PurchaseLoop, waitFor } from './purchase-loop';
import { createEvent } from './sale';
import { rows } from './test-db';

/** Short holds so a seat stranded by a crash is back on sale within the drill. */
export const FAST_RECOVERY = {
  RESERVATION_TTL_MS: '3000',
  SWEEP_INTERVAL_MS: '300',
  BOOKING_DEADLINE_MS: '2000',
  EVENT_CACHE_TTL_MS: '500',
};

export interface Sale {
  eventId: number;
  capacity: number;
  load: PurchaseLoop;
}

export interface SaleSetup {
  /** Where to create the event (admin API). */
  adminUrl: string;
  /** Instances the buyers spread over; read on every purchase. */
  urls: () => string[];
  capacity: number;
  strategy: string;
  workers: number;
  /** Tickets sold before the drill breaks anything. */
  firstSales: number;
  /** An event made beforehand (with `capacity` and `strategy`) instead of a new one. */
  eventId?: number;
}

/** An event on sale and buyers at work; `track` gets the buyers at once, so they are stopped even if the drill fails early. */
export async function openSale(o: SaleSetup, track: (load: PurchaseLoop) => void): Promise<Sale> {
  const { adminUrl, urls, capacity, strategy, workers, firstSales } = o;
  const event = o.eventId === undefined ? await createEvent(adminUrl, { capacity, strategy }) : { id: o.eventId };
  const load = new PurchaseLoop(urls, event.id, workers);
  track(load);
  await waitFor('first sales', async () => (await sold(event.id)) >= firstSales);
  return { eventId: event.id, capacity, load };
}

/**
 * Waits until every seat is sold and buyers hear SOLD_OUT, stops them, and
 * returns the violations of docs/design.md §1. `redis`: the URL of the Redis holding the
 * inventory, or a client that reads it (a cluster's).
 */
export async function finishSale(
  { eventId, capacity, load }: Sale,
  redisAt: string | FreePoolReader,
  timeoutMs = 30_000,
): Promise<string[]> {
  await waitFor('sale finished', async () => (await sold(eventId)) === capacity && load.soldOut(), timeoutMs);
  await load.stop();
  const owned = typeof redisAt === 'string' ? new Redis(redisAt) : undefined;
  const redis = owned ?? (redisAt as FreePoolReader);
  try {
    const stored = await readSaleState(rows, eventId, redis);
    const violations = saleViolations({ capacity, answers: load.finals, ...stored, expectSoldOut: true });
    if (load.unanswered.length)
      violations.push(
        `${load.unanswered.length} purchases never got a final answer (still 503 or no answer 30 s after the buyers stopped)`,
      );
    return violations;
  } finally {
    owned?.disconnect();
  }
}

export async function sold(eventId: number): Promise<number> {
  return Number((await rows<{ n: number }>('SELECT COUNT(*) AS n FROM tickets WHERE event_id = ?', [eventId]))[0].n);
}

/** The HTTP status, or 0 when there was no answer (refused, reset, or none within `timeoutMs`). */
export async function status(url: string, timeoutMs = 10_000): Promise<number> {
  return fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(
    (r) => r.status,
    () => 0,
  );
}

/** How many times each distinct line occurs, so a failure shows "500 INTERNAL: 38" rather than 38 lines. */
export function tally(lines: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}

/**
 * `finishSale`, tallied, with a sale that never finishes reported as a
 * violation instead of thrown, so a drill can show everything it saw at once.
 */
export async function finishSaleReport(sale: Sale, redisAt: string | FreePoolReader, timeoutMs?: number): Promise<Record<string, number>> {
  return tally(await finishSale(sale, redisAt, timeoutMs).catch((e: Error) => [e.message]));
}

export const answerOf = (a: Attempt) => `${a.status} ${a.code ?? '-'} retry-after=${a.retryAfter ?? 'none'}`;
export const describeAttempt = (a: Attempt) => `${answerOf(a)} after ${a.ms} ms`;

/** Attempts that are not an honest "try again" (503 with Retry-After and one of `codes`), tallied by answer. */
export function notHonestRefusals(attempts: Attempt[], codes: string[]): Record<string, number> {
  return tally(attempts.filter((a) => a.status !== 503 || a.retryAfter === null || !codes.includes(a.code ?? '')).map(answerOf));
}

/** Attempts sent at or after `from` and answered by `to`: what a client asking during a fault heard during it. */
export const sentAndAnsweredBetween = (attempts: Attempt[], from: number, to: number) =>
  attempts.filter((a) => a.sentAt >= from && a.at <= to);
