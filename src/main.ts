import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { createHttpAdapter } from './http-adapter';
import { exitOnStartFailure, serve } from './serve';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, createHttpAdapter(), { bufferLogs: true, bodyParser: false });
  await serve(app);
}

void bootstrap().catch(exitOnStartFailure);
