import { STATUS_CODES } from 'node:http';
import { DomainError, soldOutMessage } from '../../shared/errors/domain-errors';
import type { ErrorCode } from '../../shared/errors/error-codes';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: ErrorCode;
  details?: string[];
  [extra: string]: unknown;
}

export function errorBody(statusCode: number, message: string, code?: ErrorCode, extra: Record<string, unknown> = {}): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(code ? { code } : {}), ...extra };
}

export function domainErrorBody(error: DomainError): ErrorBody {
  return errorBody(error.status, error.message, error.code, error.details ?? {});
}

/**
 * SOLD_OUT as an answer body, the same shape the exception filter gives a
 * SoldOutError, built without one: in a flash sale most answers are this, and
 * an Error's stack capture is most of its cost.
 */
export function soldOutBody(available: number, requested: number): ErrorBody {
  return errorBody(409, soldOutMessage(available, requested), 'SOLD_OUT', { available, requested });
}
