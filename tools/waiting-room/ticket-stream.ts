import { connect, Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { createParser, EventSourceParser } from 'eventsource-parser';
import type { TicketStatus } from './queue-client';
import { HttpResponseReader } from './http-response-reader';

/**
 * A stream read to its end is closed this much later, not at once: thousands end in the same second in the proof,
 * and each close is work for this process (and the kernel, on loopback) that would delay the other streams'
 * events; a buyer's own device never closes anybody else's stream.
 */
const LINGER_MS = 2000;

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
 * receive times, the keep-alive comments, and the end.
 *
 * On a bare socket (one request, `Connection: close`, see HttpResponseReader)
 * rather than fetch or node:http: one process plays thousands of buyers in the
 * proof, all told sold_out in the same second, and what it measures is when
 * each stream received it. Per stream told and ended, fetch's web streams cost
 * several times node:http, and node:http about 190 µs of this process's CPU
 * against about 50 µs here (4,000 streams, /tmp measurement in the closing note
 * of issue 20): at 20,000 buyers that is the difference between measuring the
 * room and measuring this client's own backlog.
 */
export class TicketStream {
  readonly events: StreamEvent[] = [];
  keepAlives = 0;
  /** When the server ended the stream (undefined while open, or when it failed). */
  endedAt: number | undefined;
  failure: unknown;
  /** close() was called: what the connection's end cuts is not a body it delimits. */
  private closedHere = false;
  /** Resolves when the stream is over (ended by the server, failed, or closed here). */
  readonly done: Promise<void>;
  private finish!: () => void;
  private waiters: (() => void)[] = [];
  private readonly decoder = new StringDecoder('utf8');
  /** The text/event-stream format (events, `:` comments), by eventsource-parser. */
  private readonly parser: EventSourceParser = createParser({
    onEvent: (event) => {
      this.events.push({ type: event.event ?? 'message', data: JSON.parse(event.data) as StreamEvent['data'], receivedAt: Date.now() });
      this.wake();
    },
    onComment: (comment) => {
      if (comment.includes('keep-alive')) this.keepAlives++;
    },
  });

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly errorBody: Record<string, unknown> | undefined,
    private readonly socket: Socket | undefined,
  ) {
    this.done = new Promise<void>((resolve) => (this.finish = resolve));
    if (!socket) this.finish();
  }

  /** Opens the stream; a refusal (404, 503) comes back as a TicketStream with its status and body and no events. */
  static open(baseUrl: string, reference: string, secret: string): Promise<TicketStream> {
    const url = new URL(`${baseUrl}/api/v1/queue/${reference}/events`);
    return new Promise<TicketStream>((resolve, reject) => {
      // Half-open allowed: the server's end does not make this side close at once (see LINGER_MS).
      const socket = connect({ port: Number(url.port || 80), host: url.hostname, allowHalfOpen: true });
      socket.setNoDelay(true);
      socket.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${secret}\r\n` +
          'Accept: text/event-stream\r\nConnection: close\r\n\r\n',
      );
      let stream: TicketStream | undefined;
      const refusal: Buffer[] = [];
      const reader = new HttpResponseReader({
        head: (status, headers) => {
          if (status !== 200) return;
          stream = new TicketStream(200, headers, undefined, socket);
          resolve(stream);
        },
        body: (bytes) => (stream ? stream.receive(bytes) : refusal.push(bytes)),
        complete: () => {
          setTimeout(() => socket.destroy(), LINGER_MS).unref();
          if (stream) return stream.over();
          resolve(new TicketStream(reader.status, reader.headers, parseBody(Buffer.concat(refusal).toString('utf8')), undefined));
        },
      });
      socket.on('data', (bytes: Buffer) => {
        try {
          reader.feed(bytes);
        } catch (error) {
          socket.destroy(error as Error);
        }
      });
      socket.once('error', (error) => (stream ? stream.over(error) : reject(error)));
      // The other side is done sending: whatever its response lacks now, it lacks for good (a complete one is
      // closed when it has lingered, like the server's normal end).
      socket.once('end', () => reader.complete || socket.destroy());
      socket.once('close', () => {
        // The other side's close ends a body delimited by it; one closed here (close()) was cut.
        if (!reader.complete && !stream?.closedHere) {
          try {
            reader.end();
          } catch {
            // mid-chunk or mid-head: cut
          }
        }
        if (reader.complete) return;
        const cut = new Error('stream closed before its end');
        if (stream) stream.over(cut);
        else reject(cut);
      });
    });
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
    this.closedHere = true;
    this.socket?.destroy();
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

  /** The end: by the server (no failure), or a failure; the first one counts. */
  private over(failure?: unknown): void {
    if (this.endedAt !== undefined || this.failure !== undefined) return;
    if (failure !== undefined) this.failure = failure;
    else this.endedAt = Date.now();
    this.wake();
    this.finish();
  }

  /** Body bytes, decoded (a character may straddle two chunks) and parsed as they come. */
  private receive(bytes: Buffer): void {
    this.parser.feed(this.decoder.write(bytes));
  }
}

/** JSON, or what came instead (a proxy's own error page) as `{ raw }`. */
function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    return { raw: text.slice(0, 200) };
  }
}
