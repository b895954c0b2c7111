import { Agent, IncomingMessage, request } from 'node:http';
import type { TicketStatus } from './queue-client';

/** One connection per stream, none kept for reuse: a stream holds its connection until it ends. */
const STREAMS_AGENT = new Agent({ keepAlive: false });

/** One event of a ticket's stream, stamped when this client read it. */
export interface StreamEvent {
  /** `message` (a status) or `error` (a failure body, then the end). */
  type: string;
  data: TicketStatus & Record<string, unknown>;
  receivedAt: number;
}

/**
 * A buyer following its ticket on GET /queue/:reference/events, with the
 * Authorization header as the waiting page sends it: the events with their
 * receive times, the keep-alive comments, and the end. On node:http rather than
 * fetch: one process plays thousands of buyers in the proof, and fetch's web
 * streams cost several times more per event (its own lag would be measured).
 */
export class TicketStream {
  readonly events: StreamEvent[] = [];
  keepAlives = 0;
  /** When the server ended the stream (undefined while open, or when it failed). */
  endedAt: number | undefined;
  failure: unknown;
  /** Resolves when the stream is over (ended by the server, failed, or closed here). */
  readonly done: Promise<void>;
  private waiters: (() => void)[] = [];
  private buffer = '';

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly errorBody: Record<string, unknown> | undefined,
    private readonly response: IncomingMessage | undefined,
  ) {
    this.done = response ? this.read(response) : Promise.resolve();
  }

  /** Opens the stream; a refusal (404, 503) comes back as a TicketStream with its status and body and no events. */
  static async open(baseUrl: string, reference: string, secret: string): Promise<TicketStream> {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${baseUrl}/api/v1/queue/${reference}/events`, {
        headers: { authorization: `Bearer ${secret}`, accept: 'text/event-stream' },
        agent: STREAMS_AGENT,
      });
      req.once('response', resolve).once('error', reject).end();
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') headers.set(name, value);
    if (response.statusCode !== 200) {
      const text = await new Promise<string>((resolve, reject) => {
        let body = '';
        response
          .setEncoding('utf8')
          .on('data', (chunk: string) => (body += chunk))
          .once('end', () => resolve(body))
          .once('error', reject);
      });
      let body: Record<string, unknown> | undefined;
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      } catch {
        body = { raw: text.slice(0, 200) }; // a proxy's own error page
      }
      return new TicketStream(response.statusCode ?? 0, headers, body, undefined);
    }
    return new TicketStream(200, headers, undefined, response);
  }

  get last(): StreamEvent | undefined {
    return this.events.at(-1);
  }

  /** The first event (from now on or already received) that satisfies `wanted`; rejects after `timeoutMs` or at the end. */
  async next(wanted: (e: StreamEvent) => boolean, timeoutMs = 10_000): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    for (let index = 0; ; index++) {
      const event = await this.at(index, deadline - Date.now());
      if (event && wanted(event)) return event;
      if (!event) {
        const over = this.endedAt !== undefined || this.failure !== undefined;
        throw new Error(`${over ? 'stream over without the event' : `no such event within ${timeoutMs} ms`}; got ${this.describe()}`);
      }
    }
  }

  /** The index-th event, once it has come; undefined if the stream is over (or `timeoutMs` passes) first. */
  async at(index: number, timeoutMs = Infinity): Promise<StreamEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length <= index && this.endedAt === undefined && this.failure === undefined) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(left) ? setTimeout(resolve, left) : undefined;
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events[index];
  }

  /** Stops listening (the client goes away). */
  async close(): Promise<void> {
    this.response?.destroy();
    await this.done;
  }

  private describe(): string {
    return JSON.stringify(this.events.map((e) => `${e.type}:${e.data.status ?? e.data.code}:${e.data.position ?? ''}`));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private read(response: IncomingMessage): Promise<void> {
    return new Promise<void>((resolve) => {
      const over = (failure?: unknown) => {
        if (failure !== undefined) this.failure = failure;
        else if (this.failure === undefined) this.endedAt ??= Date.now();
        this.wake();
        resolve();
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        this.buffer += chunk;
        for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
          this.take(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
        }
      });
      response.once('end', () => over());
      // Destroyed here (close) or cut by the other side before its end.
      response.once('close', () => over(response.complete ? undefined : new Error('stream closed before its end')));
      response.once('error', (error) => over(error));
    });
  }

  /** One block of the text/event-stream format: `event:`, `data:` lines, or `:` comments. */
  private take(block: string): void {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.keepAlives += line.includes('keep-alive') ? 1 : 0;
      else if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0) return;
    this.events.push({ type, data: JSON.parse(data.join('\n')) as StreamEvent['data'], receivedAt: Date.now() });
    this.wake();
  }
}
