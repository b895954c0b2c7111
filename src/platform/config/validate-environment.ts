import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { validateSync } from 'class-validator';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { productionAdminTokenProblem } from './admin-token-strength';
import { DatabaseEnvironment, EnvironmentVariables } from './environment.schema';
import { applyRenamedVariables } from './renamed-variables';

/** Thrown at boot; its message names every bad variable so the operator can fix them in one go. */
export class InvalidEnvironmentError extends Error {}

const logger = new Logger('Environment');

/** `warn` hears one line per renamed variable still in use (start-up reads the environment once). */
export function validateEnvironment(
  raw: Record<string, unknown>,
  warn: (message: string) => void = (message) => logger.warn(message),
): EnvironmentVariables {
  const { env: renamed, warnings } = applyRenamedVariables(raw);
  warnings.forEach((message) => warn(message)); // before validating: a bad value is then reported under its new name
  return validateAgainst(EnvironmentVariables, renamed, crossFieldProblems);
}

export function validateDatabaseEnvironment(raw: Record<string, unknown>): DatabaseEnvironment {
  return validateAgainst(DatabaseEnvironment, raw, databaseProblems);
}

function databaseProblems(env: DatabaseEnvironment): string[] {
  return clientCertificateProblems(env, 'DB_TLS_CERT_FILE', 'DB_TLS_KEY_FILE');
}

/** A client certificate without its key (or the reverse) is a typo, not a choice. */
function clientCertificateProblems<T extends object>(env: T, cert: keyof T & string, key: keyof T & string): string[] {
  return Boolean(env[cert]) === Boolean(env[key]) ? [] : [`${env[cert] ? key : cert}: required with ${env[cert] ? cert : key}`];
}

function validateAgainst<T extends object>(
  schema: ClassConstructor<T>,
  raw: Record<string, unknown>,
  extraChecks: (env: T) => string[],
): T {
  const env = plainToInstance(schema, dropEmpty(raw), {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false, stopAtFirstError: true });
  const problems = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`));
  problems.push(...extraChecks(env));
  if (problems.length > 0) {
    throw new InvalidEnvironmentError(`Invalid environment:\n  ${problems.join('\n  ')}`);
  }
  return env;
}

function crossFieldProblems(env: EnvironmentVariables): string[] {
  const problems: string[] = [...databaseProblems(env), ...clientCertificateProblems(env, 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE')];
  const adminTokenProblem = env.NODE_ENV === 'production' ? productionAdminTokenProblem(env.ADMIN_TOKEN) : null;
  if (adminTokenProblem) problems.push(`ADMIN_TOKEN: ${adminTokenProblem}`);
  if (env.LOCK_EXTEND_THRESHOLD_MS > env.LOCK_TTL_MS - 100) {
    problems.push('LOCK_EXTEND_THRESHOLD_MS: must be at least 100 below LOCK_TTL_MS');
  }
  if (env.RESERVATION_TTL_MS <= env.BOOKING_DEADLINE_MS) {
    problems.push('RESERVATION_TTL_MS: must exceed BOOKING_DEADLINE_MS, or a slow booking could lose its seats');
  }
  if (env.REDIS_CLUSTER_NODES && !env.REDLOCK_NODES) {
    // Redlock's default node is REDIS_URL; on a cluster its locks would live on a replicated
    // master (a failover can hand a held lock to a second owner). Name independent masters.
    problems.push('REDLOCK_NODES: required with REDIS_CLUSTER_NODES (independent masters, never the cluster)');
  }
  const seeds = (env.REDIS_CLUSTER_NODES ?? '')
    .split(',')
    .map((seed) => seed.trim())
    .filter(Boolean);
  if (new Set(seeds.map((seed) => seed.startsWith('rediss://'))).size > 1) {
    problems.push('REDIS_CLUSTER_NODES: mixes rediss:// and plain seeds; every node of a cluster speaks TLS or none does');
  }
  return problems;
}

/** `FOO=` in a .env file means "use the default", not "the empty string". */
function dropEmpty(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== '' || key === 'DB_PASSWORD' || key === 'CORS_ORIGINS') out[key] = value;
  }
  return out;
}
