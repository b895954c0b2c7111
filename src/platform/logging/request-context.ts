import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The id of the request whose code runs now, for log lines written deep in a
 * service (a lost commit answer, a rebuild) that know nothing of the request.
 * Only a string is kept, nothing is built per request (no child logger): the
 * logger asks for the id only when it writes a line (pino's mixin), so a
 * request that logs nothing pays for one `run` and nothing else. On Node 24
 * (the image) AsyncLocalStorage runs on AsyncContextFrame, without promise hooks.
 */
const requestContext = new AsyncLocalStorage<string>();

export function runWithRequestId<T>(id: string, fn: () => T): T {
  return requestContext.run(id, fn);
}

/** For hooks that cannot wrap what follows them (Fastify's preHandler): the rest of this execution runs under `id`. */
export function enterRequestId(id: string): void {
  requestContext.enterWith(id);
}

export function currentRequestId(): string | undefined {
  return requestContext.getStore();
}
