/**
 * The soak's traffic: buyers that book, cancel what they hold and read, and an
 * admin who keeps moving events between strategies. Every answer is tallied;
 * anything but the answers the contract promises for a healthy server is an error.
 */
import type { Answer } from '../tools/invariants/sale-invariants';
import { adminHeaders } from './app-under-load';

export interface SoakEvent {
  id: number;
  capacity: number;
}

/** 201 answers buyers still hold, so a random one can be cancelled and the rest checked at the end. */
export class HeldBookings {
  private readonly ids: string[] = [];
  private readonly answers = new Map<string, Answer>();

  get size(): number {
    return this.ids.length;
  }

  add(answer: Answer): void {
    const id = answer.body?.reference;
    if (id === undefined || this.answers.has(id)) return;
    this.ids.push(id);
    this.answers.set(id, answer);
  }

  /** Removes and returns a random held booking, so no two buyers cancel the same one. */
  takeRandom(): Answer | undefined {
    if (this.ids.length === 0) return undefined;
    const i = Math.floor(Math.random() * this.ids.length);
    const id = this.ids[i];
    this.ids[i] = this.ids[this.ids.length - 1];
    this.ids.pop();
    const answer = this.answers.get(id);
    this.answers.delete(id);
    return answer;
  }

  all(): Answer[] {
    return [...this.answers.values()];
  }
}

export class Tally {
  /** "book 201", "book 409 SOLD_OUT", "cancel 200"... */
  readonly counts = new Map<string, number>();
  readonly errors: string[] = [];
  errorCount = 0;
  requests = 0;

  record(what: string): void {
    this.requests++;
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }

  error(what: string): void {
    this.errorCount++;
    if (this.errors.length < 20) this.errors.push(what);
  }

  count(prefix: string): number {
    let n = 0;
    for (const [key, value] of this.counts) if (key.startsWith(prefix)) n += value;
    return n;
  }
}

interface Reply {
  status: number;
  body: Record<string, unknown> | undefined;
}

async function call(url: string, init: RequestInit): Promise<Reply> {
  // A hung request is an error too, not a stalled soak.
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    body = { unparsed: text.slice(0, 200) };
  }
  return { status: res.status, body };
}

function describe(r: Reply): string {
  return `${r.status} ${JSON.stringify(r.body?.code ?? '')} ${JSON.stringify(r.body?.message ?? '')}`.trim();
}

export interface BuyerPlan {
  baseUrl: string;
  events: SoakEvent[];
  cancelShare: number;
  customers: number;
  /** Share of bookings sent with an Idempotency-Key and replayed at once. */
  replayShare: number;
  until: number;
}

export class Buyer {
  private static keys = 0;

  constructor(
    private readonly plan: BuyerPlan,
    private readonly held: HeldBookings,
    private readonly tally: Tally,
  ) {}

  async run(): Promise<void> {
    while (Date.now() < this.plan.until) {
      const roll = Math.random();
      try {
        if (roll < this.plan.cancelShare && this.held.size > 0) await this.cancel();
        else if (roll > 0.9) await this.readEvent();
        else await this.book();
      } catch (error) {
        this.tally.error(`request failed: ${(error as Error).message}`);
      }
    }
  }

  /** A few hot events draw most of the demand, as on a real on-sale day. */
  private pickEvent(): SoakEvent {
    const events = this.plan.events;
    return events[Math.floor(Math.random() ** 2 * events.length)];
  }

  private async book(): Promise<void> {
    const event = this.pickEvent();
    const body = JSON.stringify({
      customerEmail: `soak-${Math.floor(Math.random() * this.plan.customers)}@example.com`,
      quantity: 1 + Math.floor(Math.random() * 3),
    });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const replay = Math.random() < this.plan.replayShare;
    if (replay) headers['idempotency-key'] = `soak-replay-key-${process.pid}-${++Buyer.keys}`;
    const url = `${this.plan.baseUrl}/api/v1/events/${event.id}/bookings`;
    const first = await call(url, { method: 'POST', headers, body });
    this.recordBooking(first);
    if (!replay) return;
    const again = await call(url, { method: 'POST', headers, body });
    this.tally.record(`replay ${again.status}`);
    if (
      again.status !== first.status ||
      again.body?.reference !== first.body?.reference ||
      again.body?.secret !== first.body?.secret ||
      again.body?.code !== first.body?.code
    ) {
      this.tally.error(`replay answered ${describe(again)} after ${describe(first)}`);
    }
  }

  private recordBooking(r: Reply): void {
    this.tally.record(`book ${r.status}${typeof r.body?.code === 'string' ? ` ${r.body.code}` : ''}`);
    if (r.status === 201) this.held.add({ status: 201, body: r.body });
    else if (r.status !== 409) this.tally.error(`booking answered ${describe(r)}`);
  }

  private async cancel(): Promise<void> {
    const booking = this.held.takeRandom()!;
    const owner = { authorization: `Bearer ${booking.body?.secret}` };
    const r = await call(`${this.plan.baseUrl}/api/v1/bookings/${booking.body?.reference}`, { method: 'DELETE', headers: owner });
    this.tally.record(`cancel ${r.status}`);
    if (r.status === 200 && r.body?.status === 'cancelled') return;
    this.tally.error(`cancelling booking ${booking.body?.reference} answered ${describe(r)}`);
    // Whether it was cancelled decides whether its 201 still promises seats at the end.
    const now = await call(`${this.plan.baseUrl}/api/v1/bookings/${booking.body?.reference}`, { method: 'GET', headers: owner });
    if (now.body?.status === 'confirmed') this.held.add(booking);
  }

  private async readEvent(): Promise<void> {
    const event = this.pickEvent();
    const r = await call(`${this.plan.baseUrl}/api/v1/events/${event.id}`, { method: 'GET' });
    this.tally.record(`read ${r.status}`);
    if (r.status !== 200) this.tally.error(`reading event ${event.id} answered ${describe(r)}`);
    else if (Number(r.body?.sold) > event.capacity)
      this.tally.error(`event ${event.id} reports ${String(r.body?.sold)} sold of ${event.capacity}`);
  }
}

/** Moves `count` random events to another of `strategies`, as an admin would mid-sale. */
export async function switchStrategies(
  baseUrl: string,
  events: SoakEvent[],
  current: Map<number, string>,
  strategies: readonly string[],
  count: number,
  tally: Tally,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const event = events[Math.floor(Math.random() * events.length)];
    const others = strategies.filter((s) => s !== current.get(event.id));
    const strategy = others[Math.floor(Math.random() * others.length)];
    const r = await call(`${baseUrl}/api/v1/events/${event.id}/strategy`, {
      method: 'PUT',
      headers: adminHeaders(),
      body: JSON.stringify({ strategy }),
    });
    tally.record(`switch ${r.status}`);
    if (r.status === 200) current.set(event.id, strategy);
    else tally.error(`switching event ${event.id} to ${strategy} answered ${describe(r)}`);
  }
}
