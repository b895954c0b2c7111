/* eslint-disable @typescript-eslint/no-require-imports -- loaded after tracing starts, see below */
import 'reflect-metadata';
import { startTracingIfConfigured } from './tracing/tracing';

async function bootstrap(): Promise<void> {
  // First, and the app's modules required only after it: tracing patches http, mysql2 and ioredis as they load.
  startTracingIfConfigured();
  const { NestFactory } = require('@nestjs/core') as typeof import('@nestjs/core');
  const { AppModule } = require('./app.module') as typeof import('./app.module');
  const { createHttpAdapter } = require('./http-adapter') as typeof import('./http-adapter');
  const { serve } = require('./serve') as typeof import('./serve');
  const app = await NestFactory.create(AppModule, createHttpAdapter(), { bufferLogs: true, bodyParser: false });
  await serve(app);
}

void bootstrap().catch((error: unknown) => (require('./serve') as typeof import('./serve')).exitOnStartFailure(error));
