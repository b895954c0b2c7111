import { registerAs } from '@nestjs/config';
import { EnvironmentVariables } from './environment.schema';
import { readTlsFiles } from './tls-files';
import { parseTrustProxy } from './trust-proxy';
import { validateEnvironment } from './validate-environment';

let cached: EnvironmentVariables | undefined;

/**
 * The one place that reads process.env. ConfigModule has already merged `.env`
 * into it by the time the namespace factories run.
 */
export function environment(): EnvironmentVariables {
  cached ??= validateEnvironment(process.env);
  return cached;
}

/** Tests boot several apps with different variables in one process. */
export function resetEnvironmentCache(): void {
  cached = undefined;
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** BODY_LIMIT ("16kb") in bytes, as body-parser reads it (1kb = 1024 b), for adapters that take a number. */
export function bodyLimitBytes(limit: string): number {
  const [, amount, unit] = /^(\d+)(b|kb|mb)$/i.exec(limit) ?? ['', limit, 'b'];
  const multiplier = { b: 1, kb: 1024, mb: 1024 * 1024 }[unit.toLowerCase() as 'b' | 'kb' | 'mb'];
  return Number(amount) * multiplier;
}

export const appConfig = registerAs('app', () => {
  const env = environment();
  return {
    nodeEnv: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'production' ? 'warn' : env.NODE_ENV === 'test' ? 'silent' : 'info'),
    adminToken: env.ADMIN_TOKEN,
    httpAdapter: env.HTTP_ADAPTER,
    bodyLimit: env.BODY_LIMIT,
    bodyLimitBytes: bodyLimitBytes(env.BODY_LIMIT),
    corsOrigins: list(env.CORS_ORIGINS),
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    reconcileOnStart: env.RECONCILE_ON_START,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
  };
});

export const redisConfig = registerAs('redis', () => {
  const env = environment();
  return {
    url: env.REDIS_URL,
    /** Empty: one Redis at `url`. Else the inventory, idempotency, rate limits and pub/sub live on this cluster. */
    clusterNodes: env.REDIS_CLUSTER_NODES ? list(env.REDIS_CLUSTER_NODES) : [],
    redlockNodes: env.REDLOCK_NODES ? list(env.REDLOCK_NODES) : [env.REDIS_URL],
    watchPoolSize: env.REDIS_WATCH_POOL_SIZE,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    /** For every rediss:// connection (single, cluster, Redlock, WATCH pools); plain redis:// ignores it. */
    tls: readTlsFiles({
      ca: ['REDIS_TLS_CA_FILE', env.REDIS_TLS_CA_FILE],
      cert: ['REDIS_TLS_CERT_FILE', env.REDIS_TLS_CERT_FILE],
      key: ['REDIS_TLS_KEY_FILE', env.REDIS_TLS_KEY_FILE],
    }),
  };
});

export const databaseConfig = registerAs('database', () => {
  const env = environment();
  return {
    queryTimeoutMs: env.DB_QUERY_TIMEOUT_MS,
  };
});

export const bookingConfig = registerAs('booking', () => {
  const env = environment();
  return {
    deadlineMs: env.BOOKING_DEADLINE_MS,
    maxTicketsPerBooking: env.MAX_TICKETS_PER_BOOKING,
    lockTtlMs: env.LOCK_TTL_MS,
    lockExtendThresholdMs: env.LOCK_EXTEND_THRESHOLD_MS,
    reservationTtlMs: env.RESERVATION_TTL_MS,
    sweepIntervalMs: env.SWEEP_INTERVAL_MS,
    checkoutHoldTtlMs: env.CHECKOUT_HOLD_TTL_MS,
    waitlistOfferTtlMs: env.WAITLIST_OFFER_TTL_MS,
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    idempotencyErrorTtlSeconds: env.IDEMPOTENCY_ERROR_TTL_SECONDS,
    eventCacheTtlMs: env.EVENT_CACHE_TTL_MS,
    eventReadCacheMs: env.EVENT_READ_CACHE_MS,
    rateLimit: env.BOOKING_RATE_LIMIT,
    rateWindowMs: env.BOOKING_RATE_WINDOW_MS,
    batchMax: env.BOOKING_BATCH_MAX,
    batchMaxWaitMs: env.BOOKING_BATCH_MAX_WAIT_MS,
    waitlistMaxEntriesPerEvent: env.WAITLIST_MAX_ENTRIES_PER_EVENT,
  };
});

/** The waiting room (issue 20, docs/design.md §6). */
export const waitingRoomConfig = registerAs('waitingRoom', () => {
  const env = environment();
  return {
    admitFactor: env.WAITING_ROOM_ADMIT_FACTOR,
    admitRatePerSecond: env.WAITING_ROOM_ADMIT_RATE,
    admitFloorPerSecond: env.WAITING_ROOM_ADMIT_FLOOR,
    rateHeadroom: env.WAITING_ROOM_RATE_HEADROOM,
    keyGraceMs: env.WAITING_ROOM_KEY_GRACE_MS,
    admissionTtlMs: env.WAITING_ROOM_ADMISSION_TTL_MS,
    tickMs: env.WAITING_ROOM_TICK_MS,
    streamHeartbeatMs: env.WAITING_ROOM_STREAM_HEARTBEAT_MS,
    signingKey: env.WAITING_ROOM_SIGNING_KEY || `waiting-room:${env.ADMIN_TOKEN}`,
  };
});

/** Webhook delivery (issue 24, docs/webhooks.md). */
export const webhookConfig = registerAs('webhooks', () => {
  const env = environment();
  return {
    workerEnabled: env.WEBHOOK_WORKER_ENABLED,
    pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
    maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    backoffBaseMs: env.WEBHOOK_BACKOFF_BASE_MS,
    backoffMaxMs: env.WEBHOOK_BACKOFF_MAX_MS,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    concurrency: env.WEBHOOK_CONCURRENCY,
    retentionMs: env.WEBHOOK_RETENTION_HOURS * 3_600_000,
  };
});

export type AppConfig = ReturnType<typeof appConfig>;
export type RedisConfig = ReturnType<typeof redisConfig>;
export type DatabaseConfig = ReturnType<typeof databaseConfig>;
export type BookingConfig = ReturnType<typeof bookingConfig>;
export type WaitingRoomConfig = ReturnType<typeof waitingRoomConfig>;
export type WebhookConfig = ReturnType<typeof webhookConfig>;
