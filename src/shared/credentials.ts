import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The one way this service makes what identifies and proves ownership of something a customer or an admin
 * holds (a booking, a waiting-list entry, a waiting-room ticket, an admin key): a public reference with
 * 128 random bits (never a sequence number) and a secret shown once and stored only as its SHA-256.
 */

/** `bytes` random bytes, base64url (no padding): 16 bytes are 22 characters. */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** A public reference: `prefix` + 128 random bits (22 base64url characters). */
export function newReference(prefix: string): string {
  return prefix + randomToken(16);
}

/** A secret shown once: 256 random bits by default. */
export function newSecret(bytes = 32): string {
  return randomToken(bytes);
}

/** How a secret (or any key) is stored: its SHA-256, hex. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time: whether `presented` is the secret whose hash is stored. Nothing presented or stored: false. */
export function secretMatches(presented: string | undefined, storedHash: string | null): boolean {
  // Compared even when nothing is stored or presented, so timing does not tell those cases apart.
  const expected = Buffer.from(storedHash ?? '0'.repeat(64), 'hex');
  const actual = Buffer.from(sha256Hex(presented ?? ''), 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected) && storedHash !== null && presented !== undefined;
}
