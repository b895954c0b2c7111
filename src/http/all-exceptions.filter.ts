import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { asDependencyFailure } from '../errors/driver-errors';
import { DomainError } from '../errors/domain-errors';
import type { ErrorCode } from '../errors/error-codes';
import { domainErrorBody, ErrorBody, errorBody } from './error-body';

const CODES_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/**
 * Turns every failure into `{statusCode, error, message, code?}`. Nothing
 * internal (stack, SQL, driver message) ever reaches a client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    // Health probes keep terminus's own report: operators read which check failed.
    if (exception instanceof HttpException && isHealthReport(exception.getResponse())) {
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const { body, retryAfterSeconds } = this.describe(exception);
    if (retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(retryAfterSeconds));
    response.status(body.statusCode).json(body);
  }

  private describe(exception: unknown): { body: ErrorBody; retryAfterSeconds?: number } {
    if (exception instanceof DomainError) {
      return { body: domainErrorBody(exception), retryAfterSeconds: exception.retryAfterSeconds };
    }
    if (exception instanceof HttpException) return { body: fromHttpException(exception) };
    const bodyParserError = fromBodyParser(exception);
    if (bodyParserError) return { body: bodyParserError };
    const dependency = asDependencyFailure(exception);
    if (dependency) {
      this.logger.warn({ err: exception }, dependency.message);
      return { body: domainErrorBody(dependency), retryAfterSeconds: dependency.retryAfterSeconds };
    }
    this.logger.error({ err: exception }, 'unhandled error');
    return { body: errorBody(500, 'internal error', 'INTERNAL') };
  }
}

function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  // Nest turns body-parser's JSON.parse failure into a 400 whose cause is the SyntaxError.
  if (status === 400 && exception.cause instanceof SyntaxError) {
    return errorBody(400, `malformed JSON body: ${exception.cause.message}`, 'MALFORMED_JSON');
  }
  const raw = exception.getResponse();
  const messages = typeof raw === 'string' ? [raw] : (raw as { message?: string | string[] }).message;
  const list = Array.isArray(messages) ? messages : [messages ?? exception.message];
  // Pipes and decorators that throw HttpExceptions name their code with `satisfies ErrorCode`.
  const code = (raw as { code?: ErrorCode }).code ?? CODES_BY_STATUS[status];
  const extra = list.length > 1 ? { details: list } : {};
  return errorBody(status, list.join('; '), code, extra);
}

/** body-parser's errors carry `type` and `status` (malformed JSON, too large, bad charset). */
function fromBodyParser(exception: unknown): ErrorBody | null {
  const e = exception as { type?: string; status?: number };
  if (typeof e?.type !== 'string' || typeof e.status !== 'number') return null;
  switch (e.type) {
    case 'entity.parse.failed':
      return errorBody(400, 'malformed JSON body', 'MALFORMED_JSON');
    case 'entity.too.large':
      return errorBody(413, 'request body is too large', 'PAYLOAD_TOO_LARGE');
    default:
      return errorBody(e.status >= 400 && e.status < 500 ? e.status : 400, 'unreadable request body', 'BAD_BODY');
  }
}

function isHealthReport(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { status?: unknown }).status === 'error' && 'error' in raw;
}
