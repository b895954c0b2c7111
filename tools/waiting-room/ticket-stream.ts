import type { TicketStatus } from './queue-client';

/** One event of a ticket's stream, stamped when this client read it. */
export interface StreamEvent {
  /** `message` (a status) or `error` (a failure body, then the end). */
  type: string;
  data: TicketStatus & Record<string, unknown>;
  receivedAt: number;
}

/**
 * A buyer following its ticket on GET /queue/:reference/events, as the waiting
 * page does (fetch with the Authorization header, the body read as it comes):
 * the events with their receive times, the keep-alive comments, and the end.
 */
export class TicketStream {
  readonly events: StreamEvent[] = [];
  keepAlives = 0;
  /** When the server ended the stream (undefined while open, or when it failed). */
  endedAt: number | undefined;
  failure: unknown;
  /** Resolves when the stream is over (ended by the server, failed, or closed here). */
  readonly done: Promise<void>;
  private readonly abort: AbortController;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly errorBody: Record<string, unknown> | undefined,
    body: ReadableStream<Uint8Array> | null,
    abort: AbortController,
  ) {
    this.abort = abort;
    this.done = body ? this.read(body) : Promise.resolve();
  }

  /** Opens the stream; a refusal (404, 503) comes back as a TicketStream with its status and body and no events. */
  static async open(baseUrl: string, reference: string, secret: string): Promise<TicketStream> {
    const abort = new AbortController();
    const res = await fetch(`${baseUrl}/api/v1/queue/${reference}/events`, {
      headers: { authorization: `Bearer ${secret}`, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!res.ok) {
      const text = await res.text();
      return new TicketStream(res.status, res.headers, text ? (JSON.parse(text) as Record<string, unknown>) : undefined, null, abort);
    }
    return new TicketStream(res.status, res.headers, undefined, res.body, abort);
  }

  get last(): StreamEvent | undefined {
    return this.events.at(-1);
  }

  /** The first event (from now on or already received) that satisfies `wanted`; rejects after `timeoutMs` or at the end. */
  async next(wanted: (e: StreamEvent) => boolean, timeoutMs = 10_000): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(wanted);
      if (found) return found;
      if (this.endedAt !== undefined || this.failure !== undefined)
        throw new Error(`stream over without the event; got ${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such event within ${timeoutMs} ms; got ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
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
    this.abort.abort();
    // Node 20's fetch never settles a pending read aborted after the whole body arrived; a cancelled reader does.
    await this.reader?.cancel().catch(() => undefined);
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

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = (this.reader = body.getReader());
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.take(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
      this.endedAt = Date.now();
    } catch (error) {
      this.failure = error;
    } finally {
      this.wake();
    }
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
