/**
 * Bare NestJS on the same adapter as the app (Express): one module, one
 * route answering 201 to a JSON POST, no middleware, no pipes, no filters.
 * The app's cheapest route divided by this is what its own pipeline costs;
 * this divided by noop-http is what the framework costs.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

@Controller()
class NoopController {
  @Post('noop')
  @HttpCode(201)
  noop(@Body() body: unknown): { ok: true; received: number } {
    return { ok: true, received: JSON.stringify(body ?? null).length };
  }

  @Get('health/ready')
  ready(): { status: 'ok' } {
    return { status: 'ok' };
  }
}

@Module({ controllers: [NoopController] })
class NoopModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(NoopModule, { logger: false });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
}

void main();
