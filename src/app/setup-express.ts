import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../platform/config/configuration';
import { errorBody } from '../platform/http/error-body';
import { bodyMustBeJson, NOT_JSON_REFUSAL, refusePrototypeKeys } from '../platform/http/json-body';
import { ROUTE_PATTERN } from '../platform/http/route-pattern';
import { runWithRequestId } from '../platform/logging/request-context';
import { REQUEST_ID_HEADER, requestIdFrom } from '../platform/logging/request-id';

/** HTTP_ADAPTER=express (the default); see http-adapter.ts. */
export function createExpressAdapter(): ExpressAdapter {
  return new ExpressAdapter();
}

export function setupExpress(nestApp: INestApplication, config: AppConfig): void {
  const app = nestApp as NestExpressApplication;
  app.use(giveRequestId);
  app.use(helmet({ contentSecurityPolicy: false }));
  app.use(requireJsonBodies);
  app.useBodyParser('json', { limit: config.bodyLimit, reviver: refusePrototypeKeys });
  // After the body is read: body-parser calls on from the socket's stream events, outside any context set before it.
  app.use(runInRequestContext);
  app.set('x-powered-by', false);
  // req.ip (and so the rate limiter's key) comes from X-Forwarded-For only through these proxies.
  app.set('trust proxy', config.trustProxy);
  exposeRoutePattern(app);
}

/**
 * Express leaves the matched route on the request (`req.route.path`, under
 * `req.baseUrl`): read through a getter on Express's request prototype, so no
 * request pays for it unless the pattern is asked for.
 */
function exposeRoutePattern(app: NestExpressApplication): void {
  const requestPrototype = (app.getHttpAdapter().getInstance() as { request: object }).request;
  Object.defineProperty(requestPrototype, ROUTE_PATTERN, {
    configurable: true,
    get(this: Request): string | undefined {
      const path: unknown = (this as { route?: { path?: unknown } }).route?.path;
      return typeof path === 'string' ? this.baseUrl + path : undefined;
    },
  });
}

/** Every answer, errors included, names the request (X-Request-Id), as every log line of it does. */
function giveRequestId(req: Request, res: Response, next: NextFunction): void {
  // Already given when tracing is on (see tracing/otel-sdk.ts), so the trace and the logs share it.
  const id = ((req as { id?: string }).id ??= requestIdFrom(req.headers));
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

function runInRequestContext(req: Request, _res: Response, next: NextFunction): void {
  runWithRequestId((req as { id: string }).id, next);
}

/** A body that is not JSON is refused up front (415) instead of being read as an empty object. */
function requireJsonBodies(req: Request, res: Response, next: NextFunction): void {
  if (bodyMustBeJson(req.method, req.headers) && !req.is('application/json')) {
    const { status, message, code } = NOT_JSON_REFUSAL;
    res.status(status).json(errorBody(status, message, code, { requestId: (req as { id?: string }).id }));
    return;
  }
  next();
}
