import express from 'express';
import { parseTrustProxy } from './trust-proxy';
import { InvalidEnvironmentError, validateDatabaseEnvironment, validateEnvironment } from './validate-environment';

const minimal = { ADMIN_TOKEN: 'a-token-of-at-least-16-chars' };
// What `npm run up` generates (24 random bytes, base64url): fit for production.
const generatedToken = 'q3Vx9LkT0pZr7N2mWc4YhJ8sAe1DfGbU';
const production = { NODE_ENV: 'production', ADMIN_TOKEN: generatedToken };

describe('validateEnvironment', () => {
  it('fills every default from an almost empty environment', () => {
    const env = validateEnvironment(minimal);
    expect(env).toMatchObject({ PORT: 3000, DB_POOL_SIZE: 20, BOOKING_DEADLINE_MS: 5000, RECONCILE_ON_START: true });
  });

  it('converts numbers and booleans, treating "false" as false', () => {
    const env = validateEnvironment({ ...minimal, PORT: '8080', RECONCILE_ON_START: 'false' });
    expect(env.PORT).toBe(8080);
    expect(env.RECONCILE_ON_START).toBe(false);
  });

  it('names every bad variable in one error', () => {
    const attempt = () => validateEnvironment({ ADMIN_TOKEN: 'short', PORT: 'eighty', DB_NAME: 'x; DROP' });
    expect(attempt).toThrow(InvalidEnvironmentError);
    expect(attempt).toThrow(/ADMIN_TOKEN[\s\S]*PORT|PORT[\s\S]*ADMIN_TOKEN/);
    expect(attempt).toThrow(/DB_NAME/);
  });

  it('accepts production with a generated token', () => {
    expect(validateEnvironment(production).NODE_ENV).toBe('production');
  });

  describe('ADMIN_TOKEN in production', () => {
    it('accepts a generated token', () => {
      expect(validateEnvironment(production).ADMIN_TOKEN).toBe(generatedToken);
    });

    it.each([
      ['missing', undefined],
      ['empty', ''],
      ['shorter than 32 characters', 'Zx8Qp2Lm7Rt4Wv9Kc3Yb6Nd1'],
      ['the compose default', 'change-me-admin-token-0123456789'],
      ['changeme', 'changemeQ3vx9LkT0pZr7N2mWc4YhJ8sAe1'],
      ['change_me', 'q3Vx9LkT0pZr7N2mWc4Y_CHANGE_ME_hJ8s'],
      ['placeholder', 'placeholder-q3Vx9LkT0pZr7N2mWc4YhJ8'],
      ['example', 'q3Vx9LkT0pZr7N2mWc4YhJ8sAe1Df-example'],
      ['secret', 'my-secret-q3Vx9LkT0pZr7N2mWc4YhJ8sA'],
      ['admin', 'admin-token-q3Vx9LkT0pZr7N2mWc4YhJ8s'],
      ['the k8s example', 'replace-with-at-least-16-random-characters'],
      ['one repeated character', 'a'.repeat(48)],
      ['two characters taking turns', 'ab'.repeat(24)],
    ])('refuses a token that is %s, naming ADMIN_TOKEN and never echoing it', (_, token) => {
      const attempt = () => validateEnvironment({ NODE_ENV: 'production', ...(token === undefined ? {} : { ADMIN_TOKEN: token }) });
      expect(attempt).toThrow(/ADMIN_TOKEN: .*(production|placeholder)/);
      if (token) expect(attempt).not.toThrow(token);
    });

    it('keeps the 16-character minimum outside production (tests and development)', () => {
      expect(validateEnvironment({ ADMIN_TOKEN: 'admin-token-16ch' }).ADMIN_TOKEN).toBe('admin-token-16ch');
      expect(validateEnvironment({ NODE_ENV: 'test', ADMIN_TOKEN: 'a'.repeat(16) }).ADMIN_TOKEN).toBe('a'.repeat(16));
    });
  });

  describe('TRUST_PROXY', () => {
    it.each([
      [undefined, false],
      ['', false],
      ['false', false],
      ['0', false],
      ['1', 1],
      ['2', 2],
      ['loopback', ['loopback']],
      ['10.0.0.0/8, 192.168.1.7', ['10.0.0.0/8', '192.168.1.7']],
      ['127.0.0.2', ['127.0.0.2']],
      ['fd00::/8,::1,uniquelocal', ['fd00::/8', '::1', 'uniquelocal']],
    ])('reads %p as %p', (raw, expected) => {
      const env = validateEnvironment({ ...minimal, ...(raw === undefined ? {} : { TRUST_PROXY: raw }) });
      expect(parseTrustProxy(env.TRUST_PROXY)).toEqual(expected);
    });

    it('gives Express only settings it accepts', () => {
      const app = express();
      for (const raw of ['1', 'loopback', '10.0.0.0/8,192.168.1.7', 'fd00::/8,::1,linklocal']) {
        expect(() => app.set('trust proxy', parseTrustProxy(raw))).not.toThrow();
      }
    });

    it.each(['true', 'yes', '10.0.0.0/33', '10.0.0', 'localhost', '10.0.0.0/8,proxy.internal', '-1', '1.5', '::1/129'])(
      'refuses %p at start-up, naming TRUST_PROXY',
      (raw) => {
        expect(() => validateEnvironment({ ...minimal, TRUST_PROXY: raw })).toThrow(/TRUST_PROXY/);
      },
    );
  });

  it('refuses a reservation shorter than the booking deadline and a lock extension threshold too close to the TTL', () => {
    expect(() => validateEnvironment({ ...minimal, RESERVATION_TTL_MS: '4000', BOOKING_DEADLINE_MS: '5000' })).toThrow(
      /RESERVATION_TTL_MS/,
    );
    expect(() => validateEnvironment({ ...minimal, LOCK_TTL_MS: '500', LOCK_EXTEND_THRESHOLD_MS: '450' })).toThrow(
      /LOCK_EXTEND_THRESHOLD_MS/,
    );
  });

  it('refuses a Redis Cluster without independent Redlock masters', () => {
    const cluster = { ...minimal, REDIS_CLUSTER_NODES: '10.0.0.1:6379,10.0.0.2:6379' };
    expect(() => validateEnvironment(cluster)).toThrow(/REDLOCK_NODES/);
    expect(validateEnvironment({ ...cluster, REDLOCK_NODES: 'redis://10.0.1.1:6379' }).REDIS_CLUSTER_NODES).toContain('10.0.0.2');
  });

  it('refuses a cluster whose seeds mix rediss:// and plain, and a client certificate without its key', () => {
    const cluster = { ...minimal, REDLOCK_NODES: 'rediss://10.0.1.1:6379' };
    expect(() => validateEnvironment({ ...cluster, REDIS_CLUSTER_NODES: 'rediss://10.0.0.1:6379,10.0.0.2:6379' })).toThrow(
      /REDIS_CLUSTER_NODES: mixes rediss:\/\/ and plain seeds/,
    );
    expect(validateEnvironment({ ...cluster, REDIS_CLUSTER_NODES: 'rediss://10.0.0.1:6379,rediss://10.0.0.2:6379' })).toBeDefined();
    expect(() => validateEnvironment({ ...minimal, REDIS_TLS_CERT_FILE: '/etc/c.pem' })).toThrow(
      /REDIS_TLS_KEY_FILE: required with REDIS_TLS_CERT_FILE/,
    );
    expect(() => validateDatabaseEnvironment({ DB_TLS_KEY_FILE: '/etc/k.pem' })).toThrow(/DB_TLS_CERT_FILE: required with DB_TLS_KEY_FILE/);
    expect(validateDatabaseEnvironment({ DB_TLS: 'true' }).DB_TLS).toBe(true);
  });

  describe('renamed variables (HOLD_TTL_MS -> RESERVATION_TTL_MS, HOLD_SWEEP_INTERVAL_MS -> SWEEP_INTERVAL_MS)', () => {
    const validate = (raw: Record<string, unknown>) => {
      const warnings: string[] = [];
      return { env: validateEnvironment({ ...minimal, ...raw }, (message) => warnings.push(message)), warnings };
    };

    it('reads an old name under its new one, with one warning naming the new one', () => {
      const { env, warnings } = validate({ HOLD_TTL_MS: '45000', HOLD_SWEEP_INTERVAL_MS: '250' });
      expect(env).toMatchObject({ RESERVATION_TTL_MS: 45000, SWEEP_INTERVAL_MS: 250 });
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/HOLD_TTL_MS is renamed RESERVATION_TTL_MS/);
      expect(warnings[1]).toMatch(/HOLD_SWEEP_INTERVAL_MS is renamed SWEEP_INTERVAL_MS/);
    });

    it('lets the new name win when both are set, and still warns about the old one', () => {
      const { env, warnings } = validate({ HOLD_TTL_MS: '45000', RESERVATION_TTL_MS: '60000' });
      expect(env.RESERVATION_TTL_MS).toBe(60000);
      expect(warnings).toEqual([expect.stringMatching(/HOLD_TTL_MS .*RESERVATION_TTL_MS wins/)]);
    });

    it('says nothing when only new names (or an empty old one) are set', () => {
      expect(validate({ RESERVATION_TTL_MS: '60000', HOLD_TTL_MS: '' })).toMatchObject({
        env: { RESERVATION_TTL_MS: 60000 },
        warnings: [],
      });
      expect(validate({}).env).toMatchObject({ RESERVATION_TTL_MS: 30000, SWEEP_INTERVAL_MS: 5000 });
    });

    it("checks an old name's value under the new name", () => {
      expect(() => validate({ HOLD_TTL_MS: '4000', BOOKING_DEADLINE_MS: '5000' })).toThrow(/RESERVATION_TTL_MS: must exceed/);
    });
  });

  it('lets the migration CLI run without app-only variables', () => {
    expect(validateDatabaseEnvironment({ DB_NAME: 'seatguard_test' }).DB_NAME).toBe('seatguard_test');
  });
});
