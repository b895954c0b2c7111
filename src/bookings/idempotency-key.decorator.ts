import { BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { ErrorCode } from '../errors/error-codes';

/** Also the header's documented pattern. */
export const IDEMPOTENCY_KEY_FORMAT = /^[A-Za-z0-9._:-]{1,128}$/;

/** The optional Idempotency-Key header; if sent it must be 1..128 URL-safe characters. */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<Request>().headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY_FORMAT.test(value)) {
    throw new BadRequestException({
      message: 'Idempotency-Key must be 1 to 128 characters of A-Z a-z 0-9 . _ : -',
      code: 'INVALID_IDEMPOTENCY_KEY' satisfies ErrorCode,
    });
  }
  return value;
});
