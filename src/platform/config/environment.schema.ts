import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { trustProxyProblem } from './trust-proxy';

// Reads the raw value: implicit conversion would already have turned "false" into true.
const toBoolean = ({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
  const raw = obj[key];
  if (raw === undefined || typeof raw === 'boolean') return raw;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  return raw;
};

/** What the migration CLI needs: the database connection and nothing else. */
export class DatabaseEnvironment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString()
  DB_HOST: string = '127.0.0.1';

  @IsInt()
  @Min(1)
  @Max(65535)
  DB_PORT: number = 3306;

  @IsString()
  DB_USER: string = 'seatguard';

  @IsString()
  DB_PASSWORD: string = '';

  @Matches(/^[A-Za-z0-9_]+$/, { message: 'DB_NAME may hold only letters, digits and _' })
  DB_NAME: string = 'seatguard';

  @IsInt()
  @Min(1)
  @Max(500)
  DB_POOL_SIZE: number = 20;

  @IsInt()
  @Min(100)
  DB_CONNECT_TIMEOUT_MS: number = 5000;

  @IsInt()
  @Min(1)
  DB_POOL_QUEUE_LIMIT: number = 500;

  @IsInt()
  @Min(50)
  DB_QUERY_TIMEOUT_MS: number = 3000;

  /** TLS to MySQL (verified against the system CAs, or DB_TLS_CA_FILE); on by itself when a DB_TLS_*_FILE is set. */
  @Transform(toBoolean)
  @IsBoolean()
  DB_TLS: boolean = false;

  /** PEM files: the CA that signed the server's certificate; a client certificate and its key (both or neither). */
  @IsString()
  @IsOptional()
  DB_TLS_CA_FILE?: string;

  @IsString()
  @IsOptional()
  DB_TLS_CERT_FILE?: string;

  @IsString()
  @IsOptional()
  DB_TLS_KEY_FILE?: string;
}

/**
 * Every variable the service reads, with its default. `.env.example` documents
 * the same list; `validateEnvironment` turns a bad value into a boot failure
 * that names the variable.
 */
export class EnvironmentVariables extends DatabaseEnvironment {
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsString()
  HOST: string = '0.0.0.0';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  @IsOptional()
  LOG_LEVEL?: string;

  @IsString()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  ADMIN_TOKEN: string;

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'BODY_LIMIT must look like 16kb' })
  BODY_LIMIT: string = '16kb';

  @IsString()
  CORS_ORIGINS: string = '';

  // The same API on either; Fastify is the opt-in for throughput (docs/operations.md, "HTTP adapter").
  @IsIn(['express', 'fastify'])
  HTTP_ADAPTER: 'express' | 'fastify' = 'express';

  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS: number = 10000;

  @IsString()
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  @IsString()
  @IsOptional()
  REDLOCK_NODES?: string;

  /** Comma-separated seeds of a Redis Cluster (host:port or redis://[:password@]host:port); unset = REDIS_URL alone. */
  @IsString()
  @IsOptional()
  REDIS_CLUSTER_NODES?: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  REDIS_WATCH_POOL_SIZE: number = 16;

  @IsInt()
  @Min(50)
  REDIS_COMMAND_TIMEOUT_MS: number = 1000;

  /** PEM files for rediss:// (REDIS_URL, REDLOCK_NODES, REDIS_CLUSTER_NODES): the servers' CA; a client certificate and key (both or neither). */
  @IsString()
  @IsOptional()
  REDIS_TLS_CA_FILE?: string;

  @IsString()
  @IsOptional()
  REDIS_TLS_CERT_FILE?: string;

  @IsString()
  @IsOptional()
  REDIS_TLS_KEY_FILE?: string;

  @IsInt()
  @Min(100)
  BOOKING_DEADLINE_MS: number = 5000;

  @IsInt()
  @Min(1)
  @Max(1000)
  MAX_TICKETS_PER_BOOKING: number = 10;

  @IsInt()
  @Min(200)
  LOCK_TTL_MS: number = 2000;

  @IsInt()
  @Min(10)
  LOCK_EXTEND_THRESHOLD_MS: number = 500;

  @IsInt()
  @Min(1000)
  RESERVATION_TTL_MS: number = 30000;

  @IsInt()
  @Min(100)
  SWEEP_INTERVAL_MS: number = 5000;

  @IsInt()
  @Min(1000)
  CHECKOUT_HOLD_TTL_MS: number = 600000;

  @IsInt()
  @Min(1000)
  WAITLIST_OFFER_TTL_MS: number = 120000;

  @IsInt()
  @Min(1)
  IDEMPOTENCY_TTL_SECONDS: number = 86400;

  @IsInt()
  @Min(1)
  IDEMPOTENCY_ERROR_TTL_SECONDS: number = 300;

  @IsInt()
  @Min(0)
  EVENT_CACHE_TTL_MS: number = 2000;

  @IsInt()
  @Min(0)
  EVENT_READ_CACHE_MS: number = 500;

  @IsInt()
  @Min(0)
  BOOKING_RATE_LIMIT: number = 20;

  @IsInt()
  @Min(100)
  BOOKING_RATE_WINDOW_MS: number = 1000;

  // Off by default: only a deployment behind a known proxy may believe X-Forwarded-For.
  @ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && trustProxyProblem(value) === null,
      defaultMessage: (args) => `TRUST_PROXY ${trustProxyProblem(String(args?.value)) ?? 'must be a string'}`,
    },
  })
  TRUST_PROXY: string = '';

  @Transform(toBoolean)
  @IsBoolean()
  RECONCILE_ON_START: boolean = true;

  // Group commit (issue 19): at most this many bookings of one event per batch; 1 = one booking at a time.
  @IsInt()
  @Min(1)
  @Max(1000)
  BOOKING_BATCH_MAX: number = 128;

  // A booking waits at most this long for the batch in flight before its own batch starts beside it.
  @IsInt()
  @Min(0)
  BOOKING_BATCH_MAX_WAIT_MS: number = 50;

  /** Live (waiting or offered) entries one event's waiting list takes; past it, 409 WAITLIST_FULL. */
  @IsInt()
  @Min(1)
  WAITLIST_MAX_ENTRIES_PER_EVENT: number = 10000;

  // OpenTelemetry: traces are exported over OTLP (http/json) only when this is set; unset, the SDK is never loaded.
  // The SDK reads the other standard OTEL_* variables itself (OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_SCHEDULE_DELAY, ...).
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' },
  )
  @IsOptional()
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @IsString()
  OTEL_SERVICE_NAME: string = 'seatguard';

  // The waiting room (src/domain/waiting-room/): admitted-and-unserved buyers <= stock x factor, at most RATE per second per event.
  @IsNumber({}, { message: 'WAITING_ROOM_ADMIT_FACTOR must be a number' })
  @Min(0.1)
  @Max(10)
  WAITING_ROOM_ADMIT_FACTOR: number = 1;

  @IsInt()
  @Min(1)
  @Max(100_000)
  WAITING_ROOM_ADMIT_RATE: number = 100;

  // Below the ceiling the room admits at the rate its buyers are served (x HEADROOM), never under FLOOR.
  @IsNumber({}, { message: 'WAITING_ROOM_ADMIT_FLOOR must be a number' })
  @Min(0.1)
  @Max(100_000)
  WAITING_ROOM_ADMIT_FLOOR: number = 10;

  @IsNumber({}, { message: 'WAITING_ROOM_RATE_HEADROOM must be a number' })
  @Min(1)
  @Max(100)
  WAITING_ROOM_RATE_HEADROOM: number = 2;

  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  WAITING_ROOM_ADMISSION_TTL_MS: number = 120_000;

  // Below a second: a sold-out room must reach every waiting buyer within one.
  @IsInt()
  @Min(20)
  @Max(500)
  WAITING_ROOM_TICK_MS: number = 200;

  // A comment on every open ticket stream this often: proxies cut a connection idle for their timeout (often 30 s+).
  @IsInt()
  @Min(100)
  @Max(25_000)
  WAITING_ROOM_STREAM_HEARTBEAT_MS: number = 15_000;

  // Every key of a room expires this long after the room last had something to do (closed: sale over,
  // cancelled, or sold out with no admission outstanding); refreshed on every step while it is active.
  @IsInt()
  @Min(1000)
  @Max(30 * 86_400_000)
  WAITING_ROOM_KEY_GRACE_MS: number = 3_600_000;

  // Signs admissions; every instance needs the same. Empty: derived from ADMIN_TOKEN (shared already).
  @IsString()
  @ValidateIf((_o: unknown, value: unknown) => value !== '')
  @MinLength(32, { message: 'WAITING_ROOM_SIGNING_KEY must be empty or at least 32 characters' })
  WAITING_ROOM_SIGNING_KEY: string = '';

  // Webhooks (issue 24): every instance may run the delivery worker; rows are claimed, never delivered twice at once.
  @IsBoolean()
  @Transform(toBoolean)
  WEBHOOK_WORKER_ENABLED: boolean = true;

  // How often an idle worker looks for new outbox rows and due retries.
  @IsInt()
  @Min(20)
  @Max(60_000)
  WEBHOOK_POLL_INTERVAL_MS: number = 500;

  // Tries before a delivery becomes a dead letter (replayable through the admin route).
  @IsInt()
  @Min(1)
  @Max(100)
  WEBHOOK_MAX_ATTEMPTS: number = 10;

  // Backoff after the first failed try; doubles per try (with jitter) up to WEBHOOK_BACKOFF_MAX_MS.
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  WEBHOOK_BACKOFF_BASE_MS: number = 5_000;

  @IsInt()
  @Min(1)
  @Max(86_400_000)
  WEBHOOK_BACKOFF_MAX_MS: number = 3_600_000;

  // A receiver slower than this is a failed try.
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS: number = 10_000;

  // Streams (endpoint + event) one instance delivers at once.
  @IsInt()
  @Min(1)
  @Max(256)
  WEBHOOK_CONCURRENCY: number = 16;

  // Delivered deliveries and their outbox rows are purged after this many hours (dead letters stay until replayed).
  @IsInt()
  @Min(1)
  @Max(24 * 365)
  WEBHOOK_RETENTION_HOURS: number = 168;
}
