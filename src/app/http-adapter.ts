import type { INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { appConfig, AppConfig } from '../platform/config/configuration';
import { createExpressAdapter, setupExpress } from './setup-express';
import { createFastifyAdapter, setupFastify } from './setup-fastify';

/**
 * The one place that knows which HTTP stack runs (HTTP_ADAPTER): Express by
 * default, Fastify as an opt-in. Everything else speaks to Nest's
 * `INestApplication` and `HttpAdapterHost`, and clients see the same API on both.
 */
export function createHttpAdapter(config: AppConfig = appConfig()): AbstractHttpAdapter {
  return config.httpAdapter === 'fastify' ? createFastifyAdapter(config) : createExpressAdapter();
}

/**
 * What the adapter's own middleware or plugins do before Nest's pipeline:
 * security headers, 415 for a body that is not JSON, the JSON parser (size
 * limit, prototype keys refused), no X-Powered-By, which proxies to believe.
 */
export function setupHttpPlatform(app: INestApplication, config: AppConfig): void {
  if (config.httpAdapter === 'fastify') setupFastify(app, config);
  else setupExpress(app, config);
}
