import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { createHttpAdapter } from './http-adapter';
import { exitOnStartFailure, serve } from './serve';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, createHttpAdapter(), {
    bufferLogs: true,
    bodyParser: false,
    // A provider that cannot start (a TLS setting that does not match the server) rejects here, so
    // exitOnStartFailure prints its message and exits 1, instead of Nest aborting the process.
    abortOnError: false,
  });
  await serve(app);
}

void bootstrap().catch(exitOnStartFailure);
