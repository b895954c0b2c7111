/** Payload fields the triggers write as MySQL DATETIME text (UTC), re-written as ISO 8601. */
const DATE_FIELDS = ['at', 'expiresAt', 'startsAt', 'salesStartAt', 'salesEndAt'];
const MYSQL_DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/;

/**
 * The JSON a receiver gets: `{ id, type, occurredAt, data }`. `id` is the
 * webhook id (also in the Seatguard-Webhook-Id header), the same on every
 * retry and replay. Built at send time from the outbox row, so the booking
 * path stores only the trigger's small JSON object.
 */
export function webhookBody(webhookId: string, type: string, occurredAt: Date, payload: string): string {
  const data = JSON.parse(payload) as Record<string, unknown>;
  for (const field of DATE_FIELDS) {
    const value = data[field];
    if (typeof value === 'string' && MYSQL_DATETIME.test(value)) data[field] = new Date(`${value.replace(' ', 'T')}Z`).toISOString();
  }
  return JSON.stringify({ id: webhookId, type, occurredAt: occurredAt.toISOString(), data });
}
