import type { ExecutionContext } from '@nestjs/common';
import { perAddressThrottler, PER_ADDRESS_THROTTLER } from './per-address-rate-limit';

/** A request context of some controller's route: the throttler's default key would differ per route. */
const routeOf = (controller: string, handler: string) =>
  ({ getClass: () => ({ name: controller }), getHandler: () => ({ name: handler }) }) as unknown as ExecutionContext;

describe('perAddressThrottler', () => {
  const throttler = perAddressThrottler(20, 1000);
  const key = (context: ExecutionContext, address: string) => throttler.generateKey!(context, address, PER_ADDRESS_THROTTLER);

  it('gives bookings, holds and waiting-list joins of one address one key: one budget', () => {
    const keys = new Set([
      key(routeOf('BookingsController', 'create'), '198.51.100.7'),
      key(routeOf('CheckoutController', 'hold'), '198.51.100.7'),
      key(routeOf('WaitlistController', 'join'), '198.51.100.7'),
    ]);
    expect(keys.size).toBe(1);
  });

  it('keeps addresses apart', () => {
    expect(key(routeOf('BookingsController', 'create'), '198.51.100.7')).not.toBe(
      key(routeOf('BookingsController', 'create'), '198.51.100.8'),
    );
  });

  it('is named default, so the 429 keeps the plain Retry-After header', () => {
    expect(throttler).toMatchObject({ name: 'default', limit: 20, ttl: 1000 });
  });
});
