import { types } from 'node:util';
import { DependencyUnavailableError, DomainError } from './domain-errors';

/**
 * Redis error replies that mean "cannot serve this now", not "your command is
 * wrong": a replica-less master refusing writes, out of memory, a failed
 * snapshot, a read-only replica, a busy script, a failover or cluster gap, a
 * dataset still loading. ioredis puts the code first in the message; a script
 * that hit one reports it inside "ERR Error running script ...", hence a word match.
 */
const REDIS_REFUSALS = /\b(NOREPLICAS|OOM|MISCONF|READONLY|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|LOADING)\b/;

/** ioredis's own words for a connection that is gone or never answered. */
const REDIS_CONNECTION_MESSAGES = [
  "Stream isn't writeable",
  'Connection is closed',
  'Command timed out',
  'Reached the max retries per request limit',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  // A Redis Cluster client between slot maps (a failover in progress).
  "Cluster isn't ready",
  'Too many Cluster redirections',
  'Failed to refresh slots cache',
  'None of startup nodes is available',
  'Cluster is disconnected',
];

/** Deadlock (1213) or lock wait timeout (1205): MySQL rolled the transaction back; nothing of it was written, it may run again. */
export const mysqlRolledBack = (error: unknown): boolean => [1213, 1205].includes((error as { errno?: number })?.errno ?? 0);

/** A cluster node's redirection on a dedicated connection (the slot moved): nothing was done. */
const REDIS_REDIRECTION = /^(MOVED|ASK) \d+ /;

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
  'ER_STATEMENT_TIMEOUT',
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'POOL_CLOSED',
  'ER_SERVER_GONE_ERROR',
]);

// mysql2's pool and connection state errors carry no code.
const MYSQL_MESSAGES =
  /Pool is closed|Queue limit reached|No connections available|Can't add new command when connection is in closed state|MySQL did not answer in time/;

/**
 * A MULTI whose queued commands Redis refused (NOREPLICAS, OOM...) ends in
 * "EXECABORT"; ioredis keeps the refusals in `previousErrors`. Nothing was written.
 */
function refusedInsideMulti(error: Error): boolean {
  const previous = (error as { previousErrors?: unknown }).previousErrors;
  return (
    error.message.startsWith('EXECABORT') &&
    Array.isArray(previous) &&
    previous.some((e) => e instanceof Error && REDIS_REFUSALS.test(e.message))
  );
}

/**
 * Recognises "a dependency is down or refusing" among the errors ioredis,
 * mysql2 and TypeORM throw. Anything it does not recognise is a bug (500).
 */
export function asDependencyFailure(error: unknown): DependencyUnavailableError | null {
  if (error instanceof DependencyUnavailableError) return error;
  // isNativeError: socket errors (ECONNREFUSED...) may come from another realm than this module's Error (a jest VM).
  if (!(error instanceof Error || types.isNativeError(error)) || error instanceof DomainError) return null;
  const driver = (error as { driverError?: Record<string, unknown> }).driverError ?? (error as unknown as Record<string, unknown>);
  const code = typeof driver.code === 'string' ? driver.code : undefined;
  if (error.name === 'SqlTimeoutError' || MYSQL_MESSAGES.test(error.message)) return new DependencyUnavailableError('mysql', error);
  const fromMysql = error.constructor.name === 'QueryFailedError' || 'fatal' in driver || 'sqlState' in driver || 'sqlMessage' in driver;
  if (fromMysql) {
    const down = driver.fatal === true || (code !== undefined && MYSQL_CODES.has(code)) || !code;
    return down ? new DependencyUnavailableError('mysql', error) : null;
  }
  if (
    error.name === 'MaxRetriesPerRequestError' ||
    REDIS_REFUSALS.test(error.message) ||
    REDIS_REDIRECTION.test(error.message) ||
    refusedInsideMulti(error) ||
    REDIS_CONNECTION_MESSAGES.some((m) => error.message.includes(m))
  ) {
    return new DependencyUnavailableError('redis', error);
  }
  return null;
}
