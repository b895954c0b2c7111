import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { appConfig, AppConfig } from './config/configuration';
import { installGracefulShutdown } from './shutdown/graceful-shutdown';
import { API_PREFIX, setupApp } from './setup-app';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true, bodyParser: false });
  setupApp(app);
  const config = app.get<AppConfig>(appConfig.KEY);
  installGracefulShutdown(app, config.shutdownGraceMs);
  await app.listen(config.port, config.host);
  const base = `http://localhost:${config.port}`;
  // Printed on purpose (not only logged): `npm run up` shows it to a person.
  process.stdout.write(
    `seatguard listening on ${base}\n  API     ${base}/${API_PREFIX}\n  docs    ${base}/docs\n  health  ${base}/health/live ${base}/health/ready\n`,
  );
}

void bootstrap().catch((error: unknown) => {
  process.stderr.write(`seatguard failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
