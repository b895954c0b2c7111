import { applyDecorators, UseGuards } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerOptions } from '@nestjs/throttler';

/**
 * The one throttler of the service: its count is per client address, whatever
 * the route. Named `default` so that its headers keep their plain names
 * (`Retry-After`, not `Retry-After-<name>`); its Redis keys say `per-address`.
 */
export const PER_ADDRESS_THROTTLER = 'default';

/**
 * One budget per client address (BOOKING_RATE_LIMIT per BOOKING_RATE_WINDOW_MS,
 * counted in Redis across instances): the throttler's default key is the
 * route plus the address, which gave each route its own bucket (a client got
 * 20 bookings + 20 holds + unlimited joins per second). Keyed by the address
 * alone, every route that spends the budget draws from the same one.
 */
export function perAddressThrottler(limit: number, windowMs: number): ThrottlerOptions {
  return {
    name: PER_ADDRESS_THROTTLER,
    ttl: windowMs,
    limit,
    generateKey: (_context, address) => `per-address:${address}`,
  };
}

/**
 * Charges each request of the route to its client address's one budget;
 * beyond it, 429 RATE_LIMITED with Retry-After. On bookings, holds and
 * waiting-list joins (and any route a buyer can fire in a loop: a waiting
 * room's join should use it too). The client address is req.ip, which
 * TRUST_PROXY makes the one X-Forwarded-For gives through trusted proxies.
 */
export const PerAddressRateLimit = () => applyDecorators(UseGuards(ThrottlerGuard));
