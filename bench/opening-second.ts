/**
 * Bench scenario "opening second" (issue 20): BUYERS buyers for SEATS seats
 * at the sale's opening instant, once without the waiting room (everyone
 * books at once; 429 and 503 are retried after Retry-After, as a client
 * should) and once with a fifo room (everyone joined the pre-queue; they poll
 * and book when admitted; once polling, once on their tickets' event streams). Per run: p50/p99 of the time from the opening to
 * each buyer's definite answer (a seat, or sold out), 429 and 503 counts,
 * seats sold per second. The app runs as in production on the bench database.
 *
 *   npm run bench:opening-second   (OPENING_BUYERS=3000 OPENING_SEATS=500 by default)
 */
import Redis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueuedSale } from '../tools/waiting-room/queued-sale';
import { adminHeaders, benchEnvironment, PRODUCTION_SETTINGS, startServer } from './app-under-load';

const BUYERS = Number(process.env.OPENING_BUYERS ?? 3000);
const SEATS = Number(process.env.OPENING_SEATS ?? 500);
const LEAD_MS = 3000;

interface Row {
  room: string;
  p50Ms: number;
  p99Ms: number;
  answered: number;
  sold: number;
  status429: number;
  status503: number;
  seatsPerSecond: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function createEvent(url: string, queue: 'off' | 'fifo', opensAt: Date): Promise<number> {
  const res = await fetch(`${url}/api/v1/events`, {
    method: 'POST',
    headers: adminHeaders(),
    body: JSON.stringify({
      name: `opening ${queue}`,
      startsAt: '2027-06-01T19:00:00Z',
      capacity: SEATS,
      salesStartAt: opensAt.toISOString(),
      queue: { mode: queue },
    }),
  });
  if (res.status !== 201) throw new Error(`event: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/** The first phase gives up after this long (the room phase has the same limit): a stuck sale fails the run, it does not hang it. */
const PHASE_LIMIT_MS = 300_000;

/**
 * A buyer's Idempotency-Key, the same on every retry. The app refuses keys
 * shorter than 16 characters (400 INVALID_IDEMPOTENCY_KEY): `opening-1-7` was
 * one, and the buyers retried that 400 forever.
 */
const buyerKey = (eventId: number, i: number) => `opening-second-${eventId}-buyer-${String(i).padStart(6, '0')}`;

/** Without the room: every buyer books at the opening until a definite answer. */
async function withoutRoom(url: string): Promise<Row> {
  const opensAt = new Date(Date.now() + LEAD_MS);
  const eventId = await createEvent(url, 'off', opensAt);
  const counts = { 429: 0, 503: 0 };
  const answers: { at: number; status: number }[] = [];
  // Any other answer is a bug of the bench or of the app: that buyer stops, and the run fails saying which.
  const unexpected = new Map<number, { count: number; body: string }>();
  const giveUpAt = opensAt.getTime() + PHASE_LIMIT_MS;
  let unanswered = 0;
  await sleep(opensAt.getTime() - Date.now());
  await Promise.all(
    Array.from({ length: BUYERS }, async (_, i) => {
      while (Date.now() < giveUpAt) {
        const res = await fetch(`${url}/api/v1/events/${eventId}/bookings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': buyerKey(eventId, i) },
          body: JSON.stringify({ customerEmail: `b${i}@example.com`, quantity: 1 }),
        }).catch(() => undefined);
        const status = res?.status ?? 0;
        const body = (await res?.text()) ?? '';
        // A seat (201) or sold out (409) is definite; 429, 503 and no answer at all are retried after Retry-After.
        if (status === 201 || status === 409) {
          answers.push({ at: Date.now(), status });
          return;
        }
        if (status === 429) counts[429]++;
        if (status === 503) counts[503]++;
        if (status !== 0 && status !== 429 && status !== 503) {
          const seen = unexpected.get(status) ?? { count: 0, body };
          unexpected.set(status, { ...seen, count: seen.count + 1 });
          return;
        }
        await sleep(Number(res?.headers.get('retry-after') ?? 1) * 1000);
      }
      unanswered++;
    }),
  );
  const wrong = [...unexpected].map(([status, { count, body }]) => `${count} × ${status} (${body.slice(0, 200)})`);
  if (unanswered > 0) wrong.push(`${unanswered} buyers without a definite answer after ${PHASE_LIMIT_MS} ms`);
  if (wrong.length > 0) throw new Error(`opening second without the room: ${wrong.join('; ')}`);
  return summarise('off', opensAt.getTime(), answers, counts);
}

/**
 * With a fifo room: everyone in the pre-queue, then following their ticket and booking when admitted:
 * `poll`, asking every second whatever the answer's pollAfterMs (a naive client: what polling costs the
 * back end), or `stream`, on the ticket's event stream as the waiting page does.
 */
async function withRoom(url: string, transport: 'poll' | 'stream'): Promise<Row> {
  const opensAt = new Date(Date.now() + 3_600_000);
  const eventId = await createEvent(url, 'fifo', opensAt);
  const counts = { 429: 0, 503: 0 };
  const sale = new QueuedSale({
    urls: [url],
    eventId,
    buyers: BUYERS,
    walkAwayEvery: 0,
    pollMs: 1000,
    listen: transport === 'stream',
    timeoutMs: 300_000,
    onStatus: (s) => {
      if (s === 429) counts[429]++;
      if (s === 503) counts[503]++;
    },
  });
  await sale.joinAll(50);
  const opening = Date.now() + 1000;
  await fetch(`${url}/api/v1/events/${eventId}`, {
    method: 'PATCH',
    headers: adminHeaders(),
    body: JSON.stringify({ salesStartAt: new Date(opening).toISOString() }),
  });
  await sale.run();
  const answers = sale.buyers.filter((b) => b.answeredAt !== undefined).map((b) => ({ at: b.answeredAt!, status: b.booked ?? 409 }));
  return summarise(`fifo, ${transport === 'stream' ? 'streams' : 'polling every 1 s'}`, opening, answers, counts);
}

function summarise(room: string, opening: number, answers: { at: number; status: number }[], counts: { 429: number; 503: number }): Row {
  const times = answers.map((a) => a.at - opening).sort((a, b) => a - b);
  const sold = answers.filter((a) => a.status === 201);
  const lastSale = Math.max(...sold.map((a) => a.at));
  return {
    room,
    p50Ms: quantile(times, 0.5),
    p99Ms: quantile(times, 0.99),
    answered: answers.length,
    sold: sold.length,
    status429: counts[429],
    status503: counts[503],
    seatsPerSecond: Math.round((sold.length * 1000) / Math.max(1, lastSale - opening)),
  };
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...benchEnvironment(),
    ...PRODUCTION_SETTINGS,
    WAITING_ROOM_TICK_MS: '100',
    WAITING_ROOM_ADMIT_RATE: '200',
  };
  const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379/14');
  await redis.flushdb();
  redis.disconnect();
  const server = await startServer('src/main.js', env);
  try {
    const rows = [await withoutRoom(server.url), await withRoom(server.url, 'poll'), await withRoom(server.url, 'stream')];
    console.log(`\nopening second: ${BUYERS} buyers, ${SEATS} seats, one instance (time from the opening to a definite answer)\n`);
    console.table(rows);
  } finally {
    await server.proc.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
