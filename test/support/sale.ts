import { ADMIN_TOKEN } from '../setup/test-settings';
import { readSaleState } from '../../tools/invariants/read-sale-state';
import { Answer, saleViolations } from '../../tools/invariants/sale-invariants';
import { rows } from './test-db';
import { testRedis } from './test-redis';

export const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
export const json = { 'content-type': 'application/json' };

export async function createEvent(baseUrl: string, body: Record<string, unknown>): Promise<{ id: number; capacity: number }> {
  const res = await fetch(`${baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'Load test', startsAt: '2027-01-01T20:00:00Z', ...body }),
  });
  if (res.status !== 201) throw new Error(`event creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number; capacity: number };
}

/** An answer without its request id (each request has its own): for comparing a replay with the first answer. */
export function withoutRequestId(answer: Answer): Answer {
  if (!answer.body || typeof answer.body !== 'object') return answer;
  const body: Record<string, unknown> = { ...answer.body };
  delete body.requestId;
  return { ...answer, body };
}

export async function book(
  baseUrl: string,
  eventId: number,
  quantity: number,
  headers: Record<string, string> = {},
  email?: string,
): Promise<Answer> {
  const res = await fetch(`${baseUrl}/api/v1/events/${eventId}/bookings`, {
    method: 'POST',
    headers: { ...json, ...headers },
    body: JSON.stringify({ customerEmail: email ?? `buyer${Math.floor(Math.random() * 1e9)}@example.com`, quantity }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * The per-customer limit as a proof: one customer fires `requests` single-seat
 * bookings at once (spread over `urls`); returns what they were told and how
 * many seats MySQL holds for them.
 */
export async function customerBurst(
  urls: string[],
  eventId: number,
  requests: number,
  email: string,
): Promise<{ answers: Answer[]; seatsHeld: number }> {
  const answers = await burst(requests, (i) => book(urls[i % urls.length], eventId, 1, {}, email));
  const held = await rows<{ n: number | null }>(
    "SELECT SUM(quantity) AS n FROM bookings WHERE event_id = ? AND customer_email = ? AND status = 'confirmed'",
    [eventId, email],
  );
  return { answers, seatsHeld: Number(held[0].n ?? 0) };
}

/**
 * `book`, retried on 503 as a client would (an overloaded machine may answer DEADLINE_EXCEEDED or a dependency's
 * 503): the proofs count final answers, which are 201 or 409. A 503 on the last try is returned as is. `heard`, if
 * given, is told every answer, the retried 503s included.
 */
export async function bookRetrying503(
  baseUrl: string,
  eventId: number,
  quantity: number,
  tries = 5,
  heard?: (answer: Answer) => void,
): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    const answer = await book(baseUrl, eventId, quantity);
    heard?.(answer);
    if (answer.status !== 503 || attempt >= tries) return answer;
  }
}

/** The header that proves ownership of a booking: its secret, from the 201. */
export function ownerOf(answer: Answer): Record<string, string> {
  return { authorization: `Bearer ${answer.body?.secret}` };
}

/** Fires every request at once (the HTTP agent's pool decides the real concurrency). */
export function burst(count: number, one: (i: number) => Promise<Answer>): Promise<Answer[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => one(i)));
}

export async function violationsFor(
  eventId: number,
  capacity: number,
  answers: Answer[],
  expectSoldOut: boolean,
  allowedStatuses?: number[],
): Promise<string[]> {
  const stored = await readSaleState(rows, eventId, testRedis());
  return saleViolations({ capacity, answers, ...stored, expectSoldOut, allowedStatuses });
}

export function countByStatus(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}
