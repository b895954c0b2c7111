import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_CODES, ErrorCode } from '../../shared/errors/error-codes';
import { ErrorResponse } from '../http/error.response';

/** The statuses an operation of this API can answer with an error body. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 503;

/** What the filter sets on every 503 and 429 (docs/design.md §3.1): clients and generated retry logic read it. */
export const RETRY_AFTER_HEADER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer' as const, minimum: 1, example: 2 },
  },
};

/**
 * One error response per status, its schema an `ErrorResponse` whose `code` is
 * the enum of the codes that status can carry on this route, so a generated
 * client narrows on `code` (openapi-typescript: `ErrorResponse & { code: "A" | "B" }`).
 * The codes are read from the description, which names them anyway: the
 * words of it that are error codes (src/errors/error-codes.ts). One list, so
 * the prose and the schema cannot disagree; a status whose description names
 * no code is a mistake and throws when the controller loads. 429 and 503
 * always document Retry-After, other statuses when `retryAfter` names them
 * (409 SALE_NOT_OPEN carries it). Keeps each controller method to one block
 * of error documentation.
 */
export function ApiErrorResponses(
  described: Partial<Record<ErrorStatus, string>>,
  options: { retryAfter?: ErrorStatus[] } = {},
): MethodDecorator & ClassDecorator {
  const withRetryAfter = new Set<number>([429, 503, ...(options.retryAfter ?? [])]);
  return applyDecorators(
    ApiExtraModels(ErrorResponse),
    ...Object.entries(described).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description,
        schema: errorSchemaFor(codesNamedIn(description, Number(status))),
        ...(withRetryAfter.has(Number(status)) ? { headers: RETRY_AFTER_HEADER } : {}),
      }),
    ),
  );
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** The error codes a description names, in the order it names them, each once. */
export function codesNamedIn(description: string, status: number): ErrorCode[] {
  const codes = [...new Set(description.match(/\b[A-Z][A-Z0-9_]*[A-Z0-9]\b/g) ?? [])].filter((word): word is ErrorCode =>
    KNOWN_CODES.has(word),
  );
  if (codes.length === 0) throw new Error(`the ${status} response "${description}" names no error code (src/errors/error-codes.ts)`);
  return codes;
}

/** `ErrorResponse` with `code` required and narrowed to `codes`. */
function errorSchemaFor(codes: ErrorCode[]) {
  return {
    allOf: [
      { $ref: getSchemaPath(ErrorResponse) },
      { type: 'object' as const, required: ['code'], properties: { code: { type: 'string' as const, enum: codes } } },
    ],
  };
}

/** 409s a booking, a hold or a waiting-list entry can meet once the sale window or the event's state says no. */
export const SALE_STATE_CONFLICTS =
  'SALE_NOT_OPEN (with `opensAt`, and Retry-After until then), SALE_CLOSED (with `closedAt`), EVENT_CANCELLED';

/** Everything that reserves seats with the event's strategy can fail these ways on a dependency. */
export const SEAT_RESERVATION_UNAVAILABLE =
  'MYSQL_UNAVAILABLE, REDIS_UNAVAILABLE, LOCK_QUORUM_UNAVAILABLE, DEADLINE_EXCEEDED, INVENTORY_UNSETTLED: nothing was taken; ' +
  'BOOKING_OUTCOME_UNKNOWN: retry with the same Idempotency-Key to learn whether it was; ' +
  'SEATS_IN_LIMBO: not sold out yet, seats wait for MySQL to settle other bookings, retry after Retry-After';

/** requireJsonBodies (415) and the body parser's limit (413) stand before every route that reads a JSON body. */
export const JSON_BODY_ERRORS = {
  413: 'PAYLOAD_TOO_LARGE: the body exceeds BODY_LIMIT',
  415: 'UNSUPPORTED_MEDIA_TYPE: a body that is not application/json',
} as const satisfies Partial<Record<ErrorStatus, string>>;

/** A bad JSON body or a field that fails validation; nothing was written. */
export const BODY_VALIDATION_ERROR = 'VALIDATION_FAILED (`details` names every bad field), MALFORMED_JSON or BAD_BODY; nothing was written';

/** Every route that reads MySQL or Redis: its wait is bounded by the request's deadline. */
export const DEPENDENCY_UNAVAILABLE =
  'MYSQL_UNAVAILABLE, REDIS_UNAVAILABLE or DEADLINE_EXCEEDED: a dependency is down or slow; try again after Retry-After; ' +
  'CHANGE_OUTCOME_UNKNOWN (routes that change something): MySQL lost the answer to the change, repeating it is safe';

export const ADMIN_TOKEN_MISSING = 'UNAUTHORIZED: missing or wrong admin token';
