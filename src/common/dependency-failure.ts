import { DependencyUnavailableError } from './domain-errors';

const REDIS_MESSAGES = [
  "Stream isn't writeable",
  'Connection is closed',
  'Command timed out',
  'Reached the max retries per request limit',
  'ECONNREFUSED',
  'ECONNRESET',
  'LOADING',
  'READONLY',
  'CLUSTERDOWN',
];

const MYSQL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_QUERY_INTERRUPTED',
  'POOL_CLOSED',
  'ER_SERVER_GONE_ERROR',
]);

/** Recognises "a dependency is down" among the errors ioredis, mysql2 and TypeORM throw. */
export function asDependencyFailure(error: unknown): DependencyUnavailableError | null {
  if (error instanceof DependencyUnavailableError) return error;
  if (!(error instanceof Error)) return null;
  const driver = (error as { driverError?: Record<string, unknown> }).driverError ?? (error as unknown as Record<string, unknown>);
  const code = typeof driver.code === 'string' ? driver.code : undefined;
  const fromMysql =
    error.constructor.name === 'QueryFailedError' ||
    'fatal' in driver ||
    'sqlState' in driver ||
    'sqlMessage' in driver ||
    /Pool is closed|Can't add new command when connection is in closed state/.test(error.message);
  if (fromMysql) {
    const down = driver.fatal === true || (code !== undefined && MYSQL_CODES.has(code)) || !code;
    return down ? new DependencyUnavailableError('mysql', error) : null;
  }
  if (error.name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.some((m) => error.message.includes(m))) {
    return new DependencyUnavailableError('redis', error);
  }
  return null;
}
