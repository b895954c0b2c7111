import { INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { appConfig, AppConfig } from '../platform/config/configuration';
import { setupHttpPlatform } from './http-adapter';
import { setupOpenApi } from './openapi/setup-openapi';

export const API_PREFIX = 'api/v1';

/** The API under /api/v1; probes and the scrape endpoint stay at the root, where their callers look. */
export function useApiPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready', 'metrics'] });
}

/** Everything main.ts does to the app besides listening; e2e tests call it too. */
export function setupApp(app: INestApplication): INestApplication {
  const config = app.get<AppConfig>(appConfig.KEY);
  app.useLogger(app.get(Logger));
  useApiPrefix(app);
  // Helmet, 415 for non-JSON bodies, the JSON parser, no X-Powered-By, trusted proxies: per adapter.
  setupHttpPlatform(app, config);
  app.enableCors({ origin: config.corsOrigins.length ? config.corsOrigins : false });
  setupOpenApi(app);
  return app;
}
