/* eslint-disable @typescript-eslint/no-require-imports -- loaded after tracing starts, see below */
import 'reflect-metadata';
import { startTracingIfConfigured } from './platform/tracing/tracing';

async function bootstrap(): Promise<void> {
  // First, and the app's modules required only after it: tracing patches http, mysql2 and ioredis as they load.
  startTracingIfConfigured();
  const { NestFactory } = require('@nestjs/core') as typeof import('@nestjs/core');
  const { AppModule } = require('./app/app.module') as typeof import('./app/app.module');
  const { createHttpAdapter } = require('./app/http-adapter') as typeof import('./app/http-adapter');
  const { serve } = require('./app/serve') as typeof import('./app/serve');
  const app = await NestFactory.create(AppModule, createHttpAdapter(), {
    bufferLogs: true,
    bodyParser: false,
    // A provider that cannot start (a TLS setting that does not match the server) rejects here, so
    // exitOnStartFailure prints its message and exits 1, instead of Nest aborting the process.
    abortOnError: false,
  });
  await serve(app);
}

void bootstrap().catch((error: unknown) => (require('./app/serve') as typeof import('./app/serve')).exitOnStartFailure(error));
