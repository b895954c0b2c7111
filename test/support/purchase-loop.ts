import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Answer } from '../../tools/invariants/sale-invariants';
import { json } from './sale';

/** What one attempt of a purchase got back. `status` 0 means no answer at all (connection refused or reset). */
export interface Attempt {
  /** The instance it was sent to. */
  url: string;
  status: number;
  code?: string;
  retryAfter: string | null;
  /** When the request was sent. */
  sentAt: number;
  /** When the answer (or the failure) arrived. */
  at: number;
  /** `at - sentAt`: how long the client waited. */
  ms: number;
}

/** A purchase that got its final answer, with what a replay needs. */
export interface Receipt {
  key: string;
  requestBody: string;
  answer: Answer;
}

/** How long a purchase already under way may keep retrying after `stop()`. */
const SETTLE_AFTER_STOP_MS = 30_000;

/**
 * Buyers the way a careful client behaves during an incident: each purchase
 * has its own Idempotency-Key and is retried with that same key, on the next
 * instance, after a 503 or a dropped connection, until it gets a final
 * answer (201, 409 or anything else but 503). Final answers feed the
 * invariant check; every attempt is kept so a drill can assert what clients
 * saw meanwhile.
 *
 * `stop()` ends new purchases only. A purchase under way keeps retrying with
 * its key until it hears the final answer (at most SETTLE_AFTER_STOP_MS):
 * otherwise a booking committed by an instance that died before replying
 * would be in MySQL but in no buyer's answers, and the checker would blame
 * the app for the test's own impatience.
 */
export class PurchaseLoop {
  readonly finals: Answer[] = [];
  readonly receipts: Receipt[] = [];
  readonly attempts: Attempt[] = [];
  /** Purchases still without a final answer SETTLE_AFTER_STOP_MS after `stop()`. */
  readonly unanswered: string[] = [];
  private running = true;
  private stoppedAt = 0;
  private readonly workers: Promise<void>[];
  private turn = 0;

  constructor(
    private readonly urls: () => string[],
    private readonly eventId: number,
    workers: number,
  ) {
    this.workers = Array.from({ length: workers }, () => this.work());
  }

  count(status: number, since = 0): number {
    return this.attempts.filter((a) => a.status === status && a.at >= since).length;
  }

  soldOut(): boolean {
    return this.finals.some((a) => a.status === 409);
  }

  /** No new purchases; waits for those under way to hear their final answer. */
  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      this.stoppedAt = Date.now();
    }
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    while (this.running) {
      const answer = await this.purchase();
      // Sold out for now: a seat may still come back (expired hold), so keep asking, gently.
      if (answer?.status === 409) await sleep(50);
    }
  }

  private mayRetry(): boolean {
    return this.running || Date.now() - this.stoppedAt < SETTLE_AFTER_STOP_MS;
  }

  private async purchase(): Promise<Answer | undefined> {
    const key = randomUUID();
    const requestBody = JSON.stringify({ customerEmail: `drill-${key.slice(0, 8)}@example.com`, quantity: 1 });
    while (this.mayRetry()) {
      const urls = this.urls();
      const url = urls[this.turn++ % urls.length];
      const sentAt = Date.now();
      try {
        const res = await fetch(`${url}/api/v1/events/${this.eventId}/bookings`, {
          method: 'POST',
          headers: { ...json, 'idempotency-key': key },
          body: requestBody,
          signal: AbortSignal.timeout(20_000),
        });
        const parsed = (await res.json().catch(() => undefined)) as Answer['body'];
        const at = Date.now();
        this.attempts.push({
          url,
          status: res.status,
          code: parsed?.code,
          retryAfter: res.headers.get('retry-after'),
          sentAt,
          at,
          ms: at - sentAt,
        });
        // 503 is "try again"; anything else is final (and anything but 201/409 fails the invariant check).
        if (res.status !== 503) {
          const answer = { status: res.status, body: parsed };
          this.finals.push(answer);
          this.receipts.push({ key, requestBody, answer });
          return answer;
        }
      } catch {
        const at = Date.now();
        this.attempts.push({ url, status: 0, retryAfter: null, sentAt, at, ms: at - sentAt });
      }
      await sleep(100);
    }
    this.unanswered.push(key);
    return undefined;
  }
}

/** Kept importable from here for the suites that already do; the helper lives in wait-for.ts. */
export { waitFor } from './wait-for';
