/** What a shop can subscribe to; the outbox triggers (migrations/1764600000000-WebhookOutbox.ts) write exactly these. */
export const WEBHOOK_EVENT_TYPES = [
  'booking.confirmed',
  'booking.cancelled',
  'hold.created',
  'hold.expired',
  'waitlist.offered',
  'event.sold_out',
  'event.cancelled',
  'event.changed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** `*` subscribes an endpoint to every type, including types added later. */
export const ALL_EVENT_TYPES = '*';
