import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What a caller (a proxy, another service) may hand us as its id: short, printable, no spaces. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The caller's X-Request-Id if it is sane, else a new UUID. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The id given to a request: Express's `req.id` (set first thing, see
 * setup-express.ts) or Fastify's `request.id` (its genReqId is requestIdFrom).
 */
export function requestIdOf(request: unknown): string | undefined {
  const id = (request as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}
