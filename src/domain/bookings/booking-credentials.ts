import { createHmac } from 'node:crypto';
import { newReference as referenceWith, newSecret } from '../../shared/credentials';

/**
 * What makes a booking someone's: a public `reference` (128 random bits,
 * never a sequence number) and a `secret` shown once, in the 201, and stored
 * only as its SHA-256.
 *
 * A booking made with an Idempotency-Key gets a secret derived from that key
 * (HMAC keyed by the raw key over the reference and the request), so a replay
 * — even after Redis forgot the first answer, or after a commit whose reply
 * was lost — returns the same secret without it ever being stored. The raw key
 * is not stored either (only its hash), so a copy of the database cannot
 * recompute secrets. Whoever knows the key and the request could replay it
 * anyway: a key is as sensitive as the secret, so clients should use random ones.
 */
const REFERENCE_PREFIX = 'bk_';
// New references: bk_ + 22 base64url characters; references of pre-ownership bookings: bk_ + 32 hex.
export const REFERENCE_FORMAT = /^bk_[A-Za-z0-9_-]{22,32}$/;

export function newReference(): string {
  return referenceWith(REFERENCE_PREFIX);
}

export function secretFor(reference: string, idempotency: { key: string; requestHash: string } | null): string {
  if (!idempotency) return newSecret();
  return createHmac('sha256', idempotency.key)
    .update(`seatguard/booking-secret/v1:${reference}:${idempotency.requestHash}`)
    .digest('base64url');
}
