import { BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode } from '../../shared/errors/error-codes';

/**
 * Also the header's documented pattern. At least 16 characters: the key derives
 * the booking's secret and replays its answer, so it must not be guessable
 * (a random UUID is 36).
 */
export const IDEMPOTENCY_KEY_FORMAT = /^[A-Za-z0-9._:-]{16,128}$/;

/** The optional Idempotency-Key header; if sent it must be 16..128 URL-safe characters. */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>().headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY_FORMAT.test(value)) {
    throw new BadRequestException({
      message: 'Idempotency-Key must be 16 to 128 characters of A-Z a-z 0-9 . _ : - (a random UUID will do)',
      code: 'INVALID_IDEMPOTENCY_KEY' satisfies ErrorCode,
    });
  }
  return value;
});
