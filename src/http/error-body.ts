import { STATUS_CODES } from 'node:http';
import { DomainError, SoldOutError } from '../errors/domain-errors';
import type { ErrorCode } from '../errors/error-codes';

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

/** SOLD_OUT as an answer body: the same shape the exception filter gives SoldOutError. */
export function soldOut(available: number, requested: number): { status: 409; body: ErrorBody } {
  return { status: 409, body: domainErrorBody(new SoldOutError(available, requested)) };
}
