import { INestApplication } from '@nestjs/common';
import { appConfig, AppConfig } from '../platform/config/configuration';
import { installGracefulShutdown } from '../platform/shutdown/graceful-shutdown';
import { API_PREFIX, setupApp } from './setup-app';

/** Everything after the app is created: the HTTP pipeline, graceful shutdown, listening. */
export async function serve(app: INestApplication): Promise<void> {
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

export function exitOnStartFailure(error: unknown): never {
  process.stderr.write(`seatguard failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
