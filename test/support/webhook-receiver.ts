import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One POST the receiver got, as it got it. */
export interface ReceivedWebhook {
  at: number;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body's `id` (the webhook id), `type` and `data`. */
  id: string;
  type: string;
  data: Record<string, unknown>;
  /** What the receiver answered; 0 when the sender was gone before the answer (a killed process): not processed. */
  status: number;
}

/** How the receiver answers a webhook: a status, after an optional delay (a slow receiver). */
export type ReceiverBehaviour = (w: { id: string; type: string; data: Record<string, unknown>; tryOfThisId: number }) => {
  status: number;
  delayMs?: number;
};

/**
 * A real HTTP receiver on a free local port, as a shop runs one: it records
 * every POST and answers what `behaviour` says (200 by default).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  behaviour: ReceiverBehaviour = () => ({ status: 200 });
  private server: Server | undefined;
  private readonly tries = new Map<string, number>();
  /** Requests being answered right now, and requests begun so far. */
  inFlight = 0;
  started = 0;
  private generation = 0;
  private cutOff = new AbortController();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const parsed = JSON.parse(body) as { id: string; type: string; data: Record<string, unknown> };
          const tryOfThisId = (this.tries.get(parsed.id) ?? 0) + 1;
          this.tries.set(parsed.id, tryOfThisId);
          const { status, delayMs } = this.behaviour({ ...parsed, tryOfThisId });
          // A receiver that commits its work with its 2xx: a request cut off by abortInFlight (its sender was
          // killed, nobody hears the answer) was not processed.
          const generation = this.generation;
          this.inFlight++;
          this.started++;
          if (delayMs) await sleep(delayMs, undefined, { signal: this.cutOff.signal }).catch(() => undefined);
          this.inFlight--;
          const answered = generation !== this.generation ? 0 : status;
          this.received.push({
            at: Date.now(),
            headers: req.headers,
            body,
            id: parsed.id,
            type: parsed.type,
            data: parsed.data,
            status: answered,
          });
          if (answered) res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
        })();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Webhooks answered 2xx, first receipt of each id only (what a receiver that drops duplicates processes). */
  accepted(): ReceivedWebhook[] {
    const seen = new Set<string>();
    return this.received.filter((w) => w.status >= 200 && w.status < 300 && !seen.has(w.id) && seen.add(w.id));
  }

  /**
   * The sender of every request being answered now is gone (a test killed it): those requests end at once
   * and count as not processed (status 0). Returns how many there were.
   */
  abortInFlight(): number {
    const cut = this.inFlight;
    this.generation++;
    this.cutOff.abort();
    this.cutOff = new AbortController();
    return cut;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
