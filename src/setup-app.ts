import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { appConfig, AppConfig } from './config/configuration';
import { requireJsonBodies } from './http/require-json.middleware';
import { setupOpenApi } from './openapi/setup-openapi';

export const API_PREFIX = 'api/v1';

/** The API under /api/v1; probes and the scrape endpoint stay at the root, where their callers look. */
export function useApiPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready', 'metrics'] });
}

/**
 * JSON.parse keeps "__proto__" as an own key, which validation then does not
 * see as an unknown field; refuse it (and "constructor"/"prototype") while
 * parsing, as a 400 malformed body.
 */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
    throw new SyntaxError(`property ${key} is not allowed`);
  }
  return value;
}

/** Everything main.ts does to the app besides listening; e2e tests call it too. */
export function setupApp(app: NestExpressApplication): INestApplication {
  const config = app.get<AppConfig>(appConfig.KEY);
  app.useLogger(app.get(Logger));
  useApiPrefix(app);
  app.use(helmet({ contentSecurityPolicy: false }));
  app.use(requireJsonBodies);
  app.useBodyParser('json', { limit: config.bodyLimit, reviver: refusePrototypeKeys });
  app.enableCors({ origin: config.corsOrigins.length ? config.corsOrigins : false });
  app.set('x-powered-by', false);
  // req.ip (and so the rate limiter's key) comes from X-Forwarded-For only through these proxies.
  app.set('trust proxy', config.trustProxy);
  setupOpenApi(app);
  return app;
}
