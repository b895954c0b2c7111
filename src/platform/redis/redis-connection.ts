import Redis, { RedisOptions } from 'ioredis';
import type { TlsFiles } from '../config/tls-files';

export interface ConnectionSettings {
  commandTimeoutMs: number;
  name: string;
  /** CA and client certificate for rediss:// URLs (REDIS_TLS_*_FILE). */
  tls?: TlsFiles;
}

export const isTlsUrl = (url: string): boolean => /^rediss:\/\//i.test(url);

/** `tls` for a rediss:// URL: verified against `files.ca` when given (else the system CAs), never for redis://. */
export function tlsOptionsFor(url: string, files: TlsFiles = {}): RedisOptions {
  return isTlsUrl(url) ? { tls: { ...files } } : {};
}

/** How long every client (a single connection, a cluster) waits before its n-th reconnect: 50 ms doubling, at most 2 s. */
export const reconnectDelayMs = (times: number): number => Math.min(50 * 2 ** Math.min(times, 6), 2000);

/**
 * What every connection to one Redis node is opened with, a single one or each
 * node of a cluster: its name, one try per command, a command timeout, and a
 * connect timeout of at least a second.
 */
export function nodeConnectionOptions(settings: ConnectionSettings): RedisOptions {
  return {
    connectionName: settings.name,
    maxRetriesPerRequest: 0,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: Math.max(settings.commandTimeoutMs, 1000),
  };
}

/**
 * Every connection fails fast while Redis is away (no offline queue, one try
 * per command) so a booking answers 503 at once instead of hanging, and
 * reconnects by itself with a capped backoff when Redis comes back.
 */
export function createRedisConnection(url: string, settings: ConnectionSettings, extra: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    ...nodeConnectionOptions(settings),
    enableOfflineQueue: false,
    retryStrategy: reconnectDelayMs,
    lazyConnect: false,
    ...tlsOptionsFor(url, settings.tls),
    ...extra,
  });
  // An 'error' event without a listener would crash the process; reconnects are handled by ioredis.
  client.on('error', () => undefined);
  return client;
}

/** Waits until the connection is usable, or rejects after `timeoutMs`. */
export function whenReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

/** Quits a connection (or a cluster client, which has the same three calls) and never throws. */
export async function closeQuietly(client: { status: string; quit(): Promise<unknown>; disconnect(): void }): Promise<void> {
  try {
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}
