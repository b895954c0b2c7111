import { config as loadDotenv } from 'dotenv';
import { environment } from '../config/configuration';

/**
 * Starts OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set, and
 * loads nothing of it otherwise (the SDK is required here, not imported at the
 * top), so a deployment without a collector pays nothing: no extra modules, no
 * patched drivers, no context manager. Must run before the app's modules are
 * loaded: the instrumentations patch http, mysql2 and ioredis as they load.
 * `.env` is read first, as ConfigModule reads it later (existing variables win).
 */
export function startTracingIfConfigured(): void {
  loadDotenv({ quiet: true });
  const env = environment();
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./otel-sdk') as typeof import('./otel-sdk');
  startTracing(env.OTEL_SERVICE_NAME);
}
