import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Answer } from './invariants/sale-invariants';
import { json } from './sale';

/** What one attempt of a purchase got back. `status` 0 means no answer at all (connection refused or reset). */
export interface Attempt {
  status: number;
  code?: string;
  retryAfter: string | null;
  at: number;
}

/**
 * Buyers the way a careful client behaves during an incident: each purchase
 * has its own Idempotency-Key and is retried with that same key, on the next
 * instance, after a 503 or a dropped connection, until it gets a final
 * answer (201 or 409). Final answers feed the invariant check; every attempt
 * is kept so a drill can assert what clients saw meanwhile.
 */
export class PurchaseLoop {
  readonly finals: Answer[] = [];
  readonly attempts: Attempt[] = [];
  private running = true;
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

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    while (this.running) {
      const answer = await this.purchase();
      if (answer) this.finals.push(answer);
      // Sold out for now: a seat may still come back (expired hold), so keep asking, gently.
      if (answer?.status === 409) await sleep(50);
    }
  }

  private async purchase(): Promise<Answer | undefined> {
    const key = randomUUID();
    const body = JSON.stringify({ customerEmail: `drill-${key.slice(0, 8)}@example.com`, quantity: 1 });
    while (this.running) {
      const urls = this.urls();
      const url = urls[this.turn++ % urls.length];
      try {
        const res = await fetch(`${url}/api/v1/events/${this.eventId}/bookings`, {
          method: 'POST',
          headers: { ...json, 'idempotency-key': key },
          body,
          signal: AbortSignal.timeout(20_000),
        });
        const parsed = (await res.json().catch(() => undefined)) as Answer['body'];
        this.attempts.push({ status: res.status, code: parsed?.code, retryAfter: res.headers.get('retry-after'), at: Date.now() });
        // 503 is "try again"; anything else is final (and anything but 201/409 fails the invariant check).
        if (res.status !== 503) return { status: res.status, body: parsed };
      } catch {
        this.attempts.push({ status: 0, retryAfter: null, at: Date.now() });
      }
      await sleep(100);
    }
    return undefined;
  }
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await condition()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}
