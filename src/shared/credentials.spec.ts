import { newReference, newSecret, secretMatches, sha256Hex } from './credentials';

describe('credentials', () => {
  it('makes references of 128 random bits after their prefix, and 256-bit secrets', () => {
    expect(newReference('wl_')).toMatch(/^wl_[A-Za-z0-9_-]{22}$/);
    expect(newReference('q_7_')).not.toBe(newReference('q_7_'));
    expect(newSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSecret(24)).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('matches a secret only against its own stored hash', () => {
    const secret = newSecret();
    expect(secretMatches(secret, sha256Hex(secret))).toBe(true);
    expect(secretMatches(`${secret}x`, sha256Hex(secret))).toBe(false);
    expect(secretMatches(undefined, sha256Hex(''))).toBe(false);
    expect(secretMatches(secret, null)).toBe(false);
    expect(secretMatches(secret, 'not-a-hash')).toBe(false);
  });
});
