import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import {
  ApiErrorResponses,
  BODY_VALIDATION_ERROR,
  JSON_BODY_ERRORS,
  SALE_STATE_CONFLICTS,
  SEAT_RESERVATION_UNAVAILABLE,
} from '../../platform/openapi/api-error-responses';
import { ApiIdParam } from '../../platform/openapi/api-id-param';
import { PerAddressRateLimit } from '../../platform/rate-limit/per-address-rate-limit';
import { QueueAdmissionInterceptor } from '../waiting-room/queue-admission.interceptor';
import { ApiQueueAdmissionHeader, QUEUE_CONFLICTS } from '../waiting-room/queue-admission.openapi';
import { BookingOutcomeInterceptor } from './booking-outcome.interceptor';
import { IDEMPOTENCY_KEY_FORMAT } from './idempotency-key.decorator';

/**
 * POST /events/{id}/bookings and /holds: both take seats with the event's
 * strategy, so both spend the per-address budget, pass the waiting room, answer
 * through BookingOutcomeInterceptor, take an Idempotency-Key and fail the same
 * ways. `idempotencyKey`: what the key does on this route.
 */
export const TakesSeats = (idempotencyKey: string) =>
  applyDecorators(
    PerAddressRateLimit(),
    // The waiting room's admission step first (outermost): it sees the booking's final answer.
    UseInterceptors(QueueAdmissionInterceptor, BookingOutcomeInterceptor),
    ApiQueueAdmissionHeader(),
    ApiIdParam(),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      schema: { type: 'string', pattern: IDEMPOTENCY_KEY_FORMAT.source, minLength: 16, maxLength: 128 },
      description: idempotencyKey,
      example: '0b6f5c1e-8d0e-4e55-9a57-0c6c4fd3a0a9',
    }),
    ApiErrorResponses(
      {
        400: `INVALID_ID, INVALID_IDEMPOTENCY_KEY, INVALID_INPUT (quantity above MAX_TICKETS_PER_BOOKING); ${BODY_VALIDATION_ERROR}`,
        404: 'EVENT_NOT_FOUND',
        409: `SOLD_OUT (with \`available\` and \`requested\`), CUSTOMER_LIMIT_REACHED, ${SALE_STATE_CONFLICTS}, ${QUEUE_CONFLICTS}`,
        ...JSON_BODY_ERRORS,
        422: 'IDEMPOTENCY_KEY_REUSED: this key was used with another body',
        429: 'RATE_LIMITED: more than BOOKING_RATE_LIMIT bookings, holds and joins from this client in BOOKING_RATE_WINDOW_MS',
        503: SEAT_RESERVATION_UNAVAILABLE,
      },
      { retryAfter: [409] },
    ),
  );
