import type Redis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueueClient, Ticket, TicketStatus } from './queue-client';
import { TicketStream } from './ticket-stream';

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
  /** How it learned sold_out: pushed on its ticket's stream, or read by polling. */
  soldOutVia?: 'stream' | 'poll';
  /** Streams it opened (`listen`), reconnections included. */
  streamsOpened: number;
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
  /** Called when a buyer is told 201 for its booking, with when. */
  onSold?: (at: number) => void;
  /** A buyer whose ticket the room lost (read `expired`, or its admission refused) joins again, as a person would. */
  rejoin?: boolean;
  /**
   * Follow each ticket on its event stream (GET /queue/:reference/events), as the waiting page does, instead of
   * polling it every `pollMs`; a stream that ends without a final status is opened again after `pollMs`.
   */
  listen?: boolean;
  /** Buyers arrive at their page spread over this long (default `pollMs`): thousands do not open it in one instant. */
  arriveWithinMs?: number;
}

/** A stream refused (a proxy's 503, no answer) is opened again after a growing pause, up to this, with jitter. */
const MAX_REOPEN_PAUSE_MS = 8000;

/** What a buyer does with a status: done (booked, sold out, walked away), keep going, or it joined again (a new ticket). */
type Step = 'done' | 'again' | 'rejoined';

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
  private readonly streams = new Set<TicketStream>();
  private admittedCount = 0;

  constructor(private readonly options: QueuedSaleOptions) {}

  /** Its buyers follow their tickets on streams (`listen`), not by polling. */
  get listens(): boolean {
    return this.options.listen === true;
  }

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
        this.buyers.push({ email, ticket, walkedAway: false, earlierAdmissions: [], rejoins: 0, streamsOpened: 0 });
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

  /** Every buyer follows its ticket (polling it, or on its stream) and acts until admitted-and-answered or sold out. */
  async run(): Promise<void> {
    const until = Date.now() + this.options.timeoutMs;
    await Promise.all(
      this.buyers.map(async (buyer, i) => {
        // Buyers arrive at the page over a poll period, not all in the same millisecond.
        await sleep(Math.random() * (this.options.arriveWithinMs ?? this.options.pollMs));
        await (this.options.listen ? this.listen(buyer, this.client(i), until) : this.poll(buyer, this.client(i), until));
      }),
    );
  }

  private async poll(buyer: BuyerLog, client: QueueClient, until: number): Promise<void> {
    let etag: string | undefined;
    while (!this.stopped && Date.now() < until) {
      const read = await client.read(buyer.ticket.body.reference, buyer.ticket.body.secret, etag).catch(this.failed);
      this.options.onStatus?.(read?.status ?? 0);
      if (read?.status === 200 && read.body) {
        etag = read.etag ?? undefined;
        const step = await this.act(buyer, client, read.body, Date.now(), 'poll');
        if (step === 'done') return;
        if (step === 'rejoined') {
          etag = undefined;
          continue;
        }
      }
      await sleep(this.options.pollMs);
    }
  }

  /** On the ticket's stream: each status as it comes; an admission the booking could not use yet (503) is tried again. */
  private async listen(buyer: BuyerLog, client: QueueClient, until: number): Promise<void> {
    for (let refusals = 0; !this.stopped && Date.now() < until;) {
      const stream = await TicketStream.open(client.baseUrl, buyer.ticket.body.reference, buyer.ticket.body.secret).catch(this.failed);
      this.options.onStatus?.(stream?.status ?? 0);
      if (stream?.status !== 200) {
        // As an EventSource does (its retry time), and as every buyer retrying at once would not let the proxy recover.
        const pause = Math.min(MAX_REOPEN_PAUSE_MS, this.options.pollMs * 2 ** refusals++);
        await sleep(pause * (0.5 + Math.random()));
        continue;
      }
      refusals = 0;
      buyer.streamsOpened++;
      this.streams.add(stream);
      try {
        for (let index = 0; !this.stopped;) {
          const event = await stream.at(index, until - Date.now());
          if (!event || event.type !== 'message') break; // over (or an error event, then the end): open it again
          const step = await this.act(buyer, client, event.data, event.receivedAt, 'stream');
          // Sold out is the stream's last word: the server ends it (no abort to pay for, thousands at once).
          if (step === 'done' && event.data.status === 'sold_out') return void (await stream.at(index + 1, 5000));
          if (step === 'done') return;
          if (step === 'rejoined') break;
          // A booking that could not go through yet (a 503) tries the same admission again after a pause,
          // unless the stream has said something newer meanwhile.
          if (step === 'again' && buyer.triedWith && stream.events.length === index + 1) await sleep(this.options.pollMs);
          else index++;
        }
      } finally {
        this.streams.delete(stream);
        if (stream.endedAt === undefined) await stream.close();
      }
      if (!this.stopped) await sleep(this.options.pollMs);
    }
  }

  /** One status seen by a buyer (at `seenAt`, by polling or on its stream): what it does about it. */
  private async act(buyer: BuyerLog, client: QueueClient, status: TicketStatus, seenAt: number, via: 'stream' | 'poll'): Promise<Step> {
    if (status.status === 'sold_out') {
      buyer.soldOutSeenAt = seenAt;
      buyer.soldOutVia = via;
      buyer.answeredAt = seenAt;
      return 'done';
    }
    if (status.status === 'expired') {
      if (!this.options.rejoin) return 'done';
      await this.joinAgain(buyer, client);
      return 'rejoined';
    }
    if (status.status !== 'admitted' || !(status.admission?.usable || buyer.triedWith)) return 'again';
    if (buyer.admittedAt === undefined) {
      buyer.admittedAt = Date.now();
      const n = ++this.admittedCount;
      if (this.options.walkAwayEvery > 0 && n % this.options.walkAwayEvery === 0) {
        buyer.walkedAway = true;
        return 'done';
      }
    }
    // One Idempotency-Key per buyer: a retry after a 503 replays (or finishes) the same booking.
    buyer.triedWith ??= status.admission!.token;
    const answer = await client
      .use(this.options.eventId, buyer.email, buyer.triedWith, 'bookings', {
        'idempotency-key': `${buyer.ticket.body.reference}-b`,
      })
      .catch(this.failed);
    this.options.onStatus?.(answer?.status ?? 0);
    if (answer?.status === 201) this.options.onSold?.(Date.now());
    if (this.options.rejoin && answer?.status === 409 && answer.body.code === 'ADMISSION_INVALID') {
      await this.joinAgain(buyer, client);
      return 'rejoined';
    }
    if (answer && answer.status !== 503 && answer.status !== 0) {
      buyer.booked = answer.status;
      buyer.answeredAt = Date.now();
      return 'done';
    }
    return 'again';
  }

  private readonly failed = (error: unknown): undefined => {
    this.options.onFailure?.(error);
    return undefined;
  };

  /** Stops every buyer (their open streams are closed). */
  stop(): void {
    this.stopped = true;
    for (const stream of this.streams) void stream.close();
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
