/**
 * Every `code` an error body can carry. One list for the domain errors, the
 * exception filter and the OpenAPI `ErrorCode` enum: a code used anywhere
 * else is a compile error, so the documented enum cannot drift from the API.
 */
export const ERROR_CODES = [
  // domain errors (src/shared/errors/domain-errors.ts)
  'SOLD_OUT',
  'CUSTOMER_LIMIT_REACHED',
  'IDEMPOTENCY_KEY_REUSED',
  'BOOKING_NOT_FOUND',
  'EVENT_NOT_FOUND',
  'DEADLINE_EXCEEDED',
  'MYSQL_UNAVAILABLE',
  'REDIS_UNAVAILABLE',
  'LOCK_QUORUM_UNAVAILABLE',
  'INVENTORY_UNSETTLED',
  'BOOKING_OUTCOME_UNKNOWN',
  'VALIDATION_FAILED',
  'INVALID_INPUT',
  // checkout, sale windows, the waiting list
  'SALE_NOT_OPEN',
  'SALE_CLOSED',
  'EVENT_CANCELLED',
  'HOLD_EXPIRED',
  'HOLD_NOT_ACTIVE',
  'CAPACITY_BELOW_SOLD',
  'SEATS_AVAILABLE',
  'WAITLIST_ENTRY_NOT_FOUND',
  // issue 23 item 1: SOLD_OUT only when it is true; lost COMMIT answers on every path
  'SEATS_IN_LIMBO',
  'CHANGE_OUTCOME_UNKNOWN',
  'WAITLIST_FULL',
  'WAITLIST_ALREADY_JOINED',
  // the waiting room (src/domain/waiting-room/room-errors.ts)
  'QUEUE_REQUIRED',
  'ADMISSION_INVALID',
  'QUEUE_OFF',
  'ALREADY_QUEUED',
  'QUEUE_TICKET_NOT_FOUND',
  // the HTTP layer (src/platform/http/): body parsing, pipes, guards, the rate limiter, unmatched routes
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'INVALID_ID',
  'INVALID_IDEMPOTENCY_KEY',
  'BAD_BODY',
  'INTERNAL',
  // admin keys and the audit log (src/admin/auth/, src/admin/audit/)
  'ADMIN_SCOPE_MISSING',
  'ADMIN_KEY_NOT_FOUND',
  // webhooks (src/webhooks/)
  'WEBHOOK_ENDPOINT_NOT_FOUND',
  'WEBHOOK_DELIVERY_NOT_FOUND',
  'WEBHOOK_DELIVERY_NOT_REPLAYABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
