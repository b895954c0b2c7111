import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config/configuration';
import { currentRequestId } from './request-context';
import { requestIdFrom, requestIdOf } from './request-id';

const REQUEST_LOG_LEVELS = new Set(['trace', 'debug', 'info']);

/** nestjs-pino 4 defaults to '*', which Nest 12 (path-to-regexp 8) warns about at every boot. */
const ALL_ROUTES = { path: '{*path}', method: RequestMethod.ALL };

/**
 * JSON logs, one request id per request (the caller's X-Request-Id if sane,
 * else a new one; given by the HTTP adapter, see request-id.ts), no secrets:
 * the Authorization and Idempotency-Key headers (a key derives its booking's
 * secret) never reach a log.
 */
export function loggerOptions(config: AppConfig): Params {
  return {
    forRoutes: [ALL_ROUTES],
    // At warn and above no request line is ever written, yet pino-http would still build a child
    // logger, an id, listeners and an AsyncLocalStorage context (a promise hook on every await)
    // for every request: measured, about a third of the cheapest route's time. So no route runs
    // it then; every line a request writes still carries its id (the mixin below).
    ...(REQUEST_LOG_LEVELS.has(config.logLevel) ? {} : { exclude: [ALL_ROUTES] }),
    pinoHttp: {
      level: config.logLevel,
      genReqId: (req: IncomingMessage) => requestIdOf(req) ?? requestIdFrom(req.headers),
      // Called only for lines actually written, so a request that logs nothing pays nothing here.
      mixin: () => {
        const reqId = currentRequestId();
        return reqId === undefined ? {} : { reqId };
      },
      // An Idempotency-Key derives its booking's secret (booking-credentials.ts): as sensitive as the secret itself.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]'], censor: '[redacted]' },
      // Probes and scrapes would drown everything else.
      autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'info'),
    },
  };
}
