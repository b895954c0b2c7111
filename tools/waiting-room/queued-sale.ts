import type Redis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { Ticket } from './queue-client';
import { QueueClient } from './queue-client';

/** What the room's Redis says about one ticket at the end (test harness looks underneath). */
export interface RoomTicketRecord {
  reference: string;
  s: string;
  q: number;
  o?: number;
  c: string;
}

export interface BuyerLog {
  email: string;
  ticket: Ticket;
  admittedAt?: number;
  /** Last answer to its booking (status). */
  booked?: number;
  soldOutSeenAt?: number;
  /** When it got its definite answer: its booking's (not a 503), or sold_out. */
  answeredAt?: number;
  walkedAway: boolean;
  /** The admission its booking went out with (retried as is, with the same Idempotency-Key, after a 503). */
  triedWith?: string;
  /** Admissions it sent a booking with, of tickets it had before joining again (`rejoin`). */
  earlierAdmissions: string[];
  /** How often it joined again (`rejoin`). */
  rejoins: number;
}

export interface QueuedSaleOptions {
  /** Base URLs the buyers use, round robin (the LB, or instances directly). */
  urls: string[];
  eventId: number;
  buyers: number;
  /** Every n-th admitted buyer never books (its admission lapses; the next is admitted). 0: none. */
  walkAwayEvery: number;
  pollMs: number;
  /** Give up after this long (the test fails on what is left). */
  timeoutMs: number;
  /** Called for every answer status the buyers got (503s are allowed while a dependency is away). */
  onStatus?: (status: number) => void;
  /** Called for every fetch that failed without an answer. */
  onFailure?: (error: unknown) => void;
  /** A buyer whose ticket the room lost (read `expired`, or its admission refused) joins again, as a person would. */
  rejoin?: boolean;
}

/**
 * A queued sale, driven like buyers do it: everyone joins, then polls their
 * ticket every `pollMs` (with If-None-Match) until admitted or sold out; the
 * admitted book one seat with their admission, except those who walk away.
 */
export class QueuedSale {
  readonly buyers: BuyerLog[] = [];
  /** Buyers whose join answer was lost after the room issued their ticket (see joinAll). */
  readonly lostJoins: string[] = [];
  private stopped = false;
  private admittedCount = 0;
  private sold = 0;
  /** When a buyer received the 201 that made `seats` bookings (the last seat), if it happened. */
  lastSeatAt: number | undefined;
  private lastSeat: (() => void) | undefined;
  /** Resolves when `seats` buyers have been told 201. */
  soldOut(seats: number): Promise<void> {
    return new Promise((resolve) => {
      this.lastSeat = () => {
        if (this.sold >= seats && this.lastSeatAt === undefined) {
          this.lastSeatAt = Date.now();
          resolve();
        }
      };
    });
  }

  constructor(private readonly options: QueuedSaleOptions) {}

  private client(i: number): QueueClient {
    return new QueueClient(this.options.urls[i % this.options.urls.length]);
  }

  /** Joins `buyers` customers, `concurrency` at a time; returns in join order (by position). */
  async joinAll(concurrency = 20, prefix = 'buyer'): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.options.buyers) {
        const i = next++;
        const email = `${prefix}${i}@example.com`;
        let ticket: Ticket | undefined;
        while (!ticket) {
          const t = await this.client(i)
            .join(this.options.eventId, email)
            .catch(() => undefined);
          this.options.onStatus?.(t?.status ?? 0);
          if (t?.status === 201) ticket = t;
          else if (t?.status === 409 && t.body.code === 'ALREADY_QUEUED') break;
          else await sleep(100);
        }
        // The answer to its join was lost (a timeout under load) after the room issued the ticket: its secret was
        // shown once, in that answer, so this buyer has no ticket it can read; the room admits it in turn, the
        // admission lapses unused, and the next is admitted (as for one who walks away).
        if (!ticket) {
          this.lostJoins.push(email);
          continue;
        }
        this.buyers.push({ email, ticket, walkedAway: false, earlierAdmissions: [], rejoins: 0 });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** A new ticket for a buyer whose place was lost; its earlier admission (if it used one) is kept aside. */
  private async joinAgain(buyer: BuyerLog, client: QueueClient): Promise<void> {
    if (buyer.triedWith) buyer.earlierAdmissions.push(buyer.triedWith);
    buyer.triedWith = undefined;
    buyer.admittedAt = undefined;
    buyer.rejoins++;
    for (;;) {
      const t = await client.join(this.options.eventId, buyer.email).catch(() => undefined);
      this.options.onStatus?.(t?.status ?? 0);
      if (t?.status === 201) {
        buyer.ticket = t;
        return;
      }
      await sleep(this.options.pollMs);
    }
  }

  /** Every buyer polls and acts until admitted-and-answered or sold out. */
  async run(): Promise<void> {
    const until = Date.now() + this.options.timeoutMs;
    await Promise.all(
      this.buyers.map(async (buyer, i) => {
        const client = this.client(i);
        let etag: string | undefined;
        await sleep(Math.random() * this.options.pollMs);
        while (!this.stopped && Date.now() < until) {
          const read = await client.read(buyer.ticket.body.reference, buyer.ticket.body.secret, etag).catch(this.failed);
          this.options.onStatus?.(read?.status ?? 0);
          if (read?.status === 200 && read.body) {
            etag = read.etag ?? undefined;
            const status = read.body.status;
            if (status === 'sold_out') {
              buyer.soldOutSeenAt = Date.now();
              buyer.answeredAt = buyer.soldOutSeenAt;
              return;
            }
            if (status === 'expired') {
              if (!this.options.rejoin) return;
              await this.joinAgain(buyer, client);
              etag = undefined;
              continue;
            }
            if (status === 'admitted' && (read.body.admission?.usable || buyer.triedWith)) {
              if (buyer.admittedAt === undefined) {
                buyer.admittedAt = Date.now();
                const n = ++this.admittedCount;
                if (this.options.walkAwayEvery > 0 && n % this.options.walkAwayEvery === 0) {
                  buyer.walkedAway = true;
                  return;
                }
              }
              // One Idempotency-Key per buyer: a retry after a 503 replays (or finishes) the same booking.
              buyer.triedWith ??= read.body.admission!.token;
              const answer = await client
                .use(this.options.eventId, buyer.email, buyer.triedWith, 'bookings', {
                  'idempotency-key': `${buyer.ticket.body.reference}-b`,
                })
                .catch(this.failed);
              this.options.onStatus?.(answer?.status ?? 0);
              if (answer?.status === 201) {
                this.sold++;
                this.lastSeat?.();
              }
              if (this.options.rejoin && answer?.status === 409 && answer.body.code === 'ADMISSION_INVALID') {
                await this.joinAgain(buyer, client);
                etag = undefined;
                continue;
              }
              if (answer && answer.status !== 503 && answer.status !== 0) {
                buyer.booked = answer.status;
                buyer.answeredAt = Date.now();
                return;
              }
            }
          }
          await sleep(this.options.pollMs);
        }
      }),
    );
  }

  private readonly failed = (error: unknown): undefined => {
    this.options.onFailure?.(error);
    return undefined;
  };

  stop(): void {
    this.stopped = true;
  }
}

/** Every ticket of the event's room, from Redis. */
export async function roomTickets(redis: Redis, eventId: number): Promise<RoomTicketRecord[]> {
  const all = await redis.hgetall(`{event:${eventId}}:room:tickets`);
  return Object.entries(all).map(([reference, raw]) => ({ reference, ...(JSON.parse(raw) as Omit<RoomTicketRecord, 'reference'>) }));
}

/**
 * Fifo: the admissions, in the order the room made them, are exactly the first
 * K tickets in join order. Returns what is wrong (empty when right).
 */
export function fifoViolations(tickets: RoomTicketRecord[]): string[] {
  const admitted = tickets.filter((t) => t.o !== undefined).sort((a, b) => a.o! - b.o!);
  const problems: string[] = [];
  admitted.forEach((t, i) => {
    if (t.q !== i + 1) problems.push(`admission #${t.o} went to join #${t.q}, expected join #${i + 1}`);
  });
  const orders = new Set(admitted.map((t) => t.o));
  if (orders.size !== admitted.length) problems.push('an admission number was given twice');
  return problems.slice(0, 5);
}

/**
 * Samples the rule while the sale runs (factor 1, no checkout holds): admitted
 * and not yet used <= seats on sale, read in one MULTI.
 */
export class AdmissionBoundSampler {
  samples = 0;
  maxUnserved = 0;
  readonly violations: string[] = [];
  private running = true;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly eventId: number,
  ) {}

  start(everyMs = 20): this {
    this.loop = (async () => {
      while (this.running) {
        try {
          const replies = await this.redis
            .multi()
            .zcard(`{event:${this.eventId}}:room:admitted`)
            .zcard(`{event:${this.eventId}}:free`)
            .exec();
          const [unserved, free] = (replies ?? []).map(([, v]) => Number(v));
          this.samples++;
          this.maxUnserved = Math.max(this.maxUnserved, unserved);
          if (unserved > free) this.violations.push(`${unserved} admitted and unserved with ${free} seats on sale`);
        } catch {
          // Redis away (a drill): nothing to sample
        }
        await sleep(everyMs);
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
