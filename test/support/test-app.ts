import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../../src/app/app.module';
import { resetEnvironmentCache } from '../../src/platform/config/configuration';
import { createHttpAdapter } from '../../src/app/http-adapter';
import { setupApp } from '../../src/app/setup-app';
import { testEnvironment } from '../setup/test-settings';
import { createAppWithTestControls } from './controls/test-controls';

export interface RunningApp {
  app: INestApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/**
 * Boots the real AppModule (global pipe and filter included) on a free port,
 * with the test environment plus `overrides`; `testControls` adds the test
 * harness's controls (the `unsafe` strategy, the stalling lock holder).
 */
export async function startApp(overrides: Record<string, string> = {}, options: { testControls?: boolean } = {}): Promise<RunningApp> {
  const saved = { ...process.env };
  Object.assign(process.env, testEnvironment(), overrides);
  resetEnvironmentCache();
  try {
    const app = options.testControls
      ? await createAppWithTestControls({ logger: false })
      : (await Test.createTestingModule({ imports: [AppModule] }).compile()).createNestApplication(createHttpAdapter(), {
          bodyParser: false,
          logger: false,
        });
    setupApp(app);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return {
      app,
      url: `http://127.0.0.1:${port}`,
      close: async () => {
        await app.close();
      },
    };
  } finally {
    process.env = saved;
    resetEnvironmentCache();
  }
}
