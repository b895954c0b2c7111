import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { asDependencyFailure } from '../../shared/errors/driver-errors';
import { DomainError } from '../../shared/errors/domain-errors';
import type { ErrorCode } from '../../shared/errors/error-codes';
import { requestIdOf } from '../logging/request-id';
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
 * Fastify's own refusals (the adapter hands them over as an HttpException
 * whose cause carries the code), answered as the Express stack answers the same
 * request: one body per problem whichever adapter runs.
 */
const FASTIFY_ERRORS: Record<string, () => ErrorBody> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => errorBody(415, 'request body must be application/json', 'UNSUPPORTED_MEDIA_TYPE'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => errorBody(400, 'request size did not match content length', 'BAD_BODY'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => errorBody(413, 'request entity too large', 'PAYLOAD_TOO_LARGE'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => errorBody(400, 'malformed JSON body', 'MALFORMED_JSON'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => errorBody(400, 'malformed JSON body', 'MALFORMED_JSON'),
};

/**
 * Turns every failure into `{statusCode, error, message, code?}`. Nothing
 * internal (stack, SQL, driver message) ever reaches a client. Answers through
 * the HTTP adapter, so it works the same on Express and Fastify.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    if (httpAdapter.isHeadersSent(response)) return;
    // Named explicitly (not only through the logging context): a failure before the route, such as a body
    // that does not parse, happens outside it.
    const requestId = requestIdOf(host.switchToHttp().getRequest());
    // Health probes keep terminus's own report: operators read which check failed. Not ready is a 503 like any other: it says when to ask again.
    if (exception instanceof HttpException && isHealthReport(exception.getResponse())) {
      if (exception.getStatus() === 503) httpAdapter.setHeader(response, 'Retry-After', String(NOT_READY_RETRY_AFTER_SECONDS));
      httpAdapter.reply(response, exception.getResponse(), exception.getStatus());
      return;
    }
    const { body, retryAfterSeconds } = this.describe(exception, requestId);
    if (retryAfterSeconds !== undefined) httpAdapter.setHeader(response, 'Retry-After', String(retryAfterSeconds));
    httpAdapter.reply(response, requestId === undefined ? body : { ...body, requestId }, body.statusCode);
  }

  private describe(exception: unknown, reqId: string | undefined): { body: ErrorBody; retryAfterSeconds?: number } {
    if (exception instanceof DomainError) {
      // A 503 the domain names itself (a deadline passed, an unknown outcome) is still a failure an operator must find.
      if (exception.status >= 500) this.logger.warn({ err: exception, reqId, code: exception.code }, exception.message);
      return { body: domainErrorBody(exception), retryAfterSeconds: exception.retryAfterSeconds };
    }
    if (exception instanceof HttpException) return { body: fromHttpException(exception) };
    const bodyParserError = fromBodyParser(exception);
    if (bodyParserError) return { body: bodyParserError };
    const dependency = asDependencyFailure(exception);
    if (dependency) {
      this.logger.warn({ err: exception, reqId }, dependency.message);
      return { body: domainErrorBody(dependency), retryAfterSeconds: dependency.retryAfterSeconds };
    }
    this.logger.error({ err: exception, reqId }, 'unhandled error');
    return { body: errorBody(500, 'internal error', 'INTERNAL') };
  }
}

function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const fastifyCode = (exception.cause as { code?: unknown } | undefined)?.code;
  if (typeof fastifyCode === 'string' && Object.hasOwn(FASTIFY_ERRORS, fastifyCode)) return FASTIFY_ERRORS[fastifyCode]();
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

/** A probe's period is usually a few seconds; asking sooner tells nothing new. */
const NOT_READY_RETRY_AFTER_SECONDS = 5;

/** terminus's report, or the minimal `{status: 'error'}` anyone without the admin token gets. */
function isHealthReport(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || (raw as { status?: unknown }).status !== 'error') return false;
  return 'error' in raw || Object.keys(raw).length === 1;
}
