import { InvalidEnvironmentError, validateDatabaseEnvironment, validateEnvironment } from './validate-environment';

const minimal = { ADMIN_TOKEN: 'a-token-of-at-least-16-chars' };

describe('validateEnvironment', () => {
  it('fills every default from an almost empty environment', () => {
    const env = validateEnvironment(minimal);
    expect(env).toMatchObject({ PORT: 3000, DB_POOL_SIZE: 20, BOOKING_DEADLINE_MS: 5000, ALLOW_UNSAFE_STRATEGY: false });
  });

  it('converts numbers and booleans, treating "false" as false', () => {
    const env = validateEnvironment({ ...minimal, PORT: '8080', ALLOW_UNSAFE_STRATEGY: 'false', RECONCILE_ON_START: 'false' });
    expect(env.PORT).toBe(8080);
    expect(env.ALLOW_UNSAFE_STRATEGY).toBe(false);
    expect(env.RECONCILE_ON_START).toBe(false);
  });

  it('names every bad variable in one error', () => {
    const attempt = () => validateEnvironment({ ADMIN_TOKEN: 'short', PORT: 'eighty', DB_NAME: 'x; DROP' });
    expect(attempt).toThrow(InvalidEnvironmentError);
    expect(attempt).toThrow(/ADMIN_TOKEN[\s\S]*PORT|PORT[\s\S]*ADMIN_TOKEN/);
    expect(attempt).toThrow(/DB_NAME/);
  });

  it('refuses the unsafe strategy and test-only delays in production', () => {
    expect(() => validateEnvironment({ ...minimal, NODE_ENV: 'production', ALLOW_UNSAFE_STRATEGY: 'true' })).toThrow(/ALLOW_UNSAFE_STRATEGY/);
    expect(() => validateEnvironment({ ...minimal, NODE_ENV: 'production', TEST_CRITICAL_SECTION_DELAY_MS: '10' })).toThrow(
      /TEST_CRITICAL_SECTION_DELAY_MS/,
    );
  });

  it('refuses a hold shorter than the booking deadline and a lock extension threshold too close to the TTL', () => {
    expect(() => validateEnvironment({ ...minimal, HOLD_TTL_MS: '4000', BOOKING_DEADLINE_MS: '5000' })).toThrow(/HOLD_TTL_MS/);
    expect(() => validateEnvironment({ ...minimal, LOCK_TTL_MS: '500', LOCK_EXTEND_THRESHOLD_MS: '450' })).toThrow(/LOCK_EXTEND_THRESHOLD_MS/);
  });

  it('lets the migration CLI run without app-only variables', () => {
    expect(validateDatabaseEnvironment({ DB_NAME: 'seatguard_test' }).DB_NAME).toBe('seatguard_test');
  });
});
