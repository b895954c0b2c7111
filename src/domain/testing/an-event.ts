import type { Event } from '../events/event.model';

/**
 * Test data for unit specs (not part of the build: tsconfig.build.json leaves
 * testing/ out): event 7, on sale with no window or limits, 10 seats, `atomic`.
 */
export function anEvent(overrides: Partial<Event> = {}): Event {
  return {
    id: 7,
    name: 'Gig',
    startsAt: new Date('2027-06-01T19:00:00Z'),
    salesStartAt: null,
    salesEndAt: null,
    capacity: 10,
    priceCents: 0,
    strategy: 'atomic',
    maxPerCustomer: null,
    checkoutHoldTtlMs: null,
    queueMode: 'off',
    cancelledAt: null,
    createdAt: new Date('2026-11-01T00:00:00Z'),
    updatedAt: new Date('2026-11-01T00:00:00Z'),
    ...overrides,
  };
}
