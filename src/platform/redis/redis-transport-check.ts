import { isIP, Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import type { RedisConfig } from '../config/configuration';
import type { TlsFiles } from '../config/tls-files';
import { isTlsUrl } from './redis-connection';

/** One configured Redis address and the setting it came from, for the message. */
export interface RedisEndpoint {
  setting: string;
  url: string;
}

/** Every Redis the app dials, by the setting that names it: REDIS_URL or the cluster seeds, and the Redlock nodes. */
export function configuredEndpoints(config: Pick<RedisConfig, 'url' | 'clusterNodes' | 'redlockNodes'>): RedisEndpoint[] {
  const main =
    config.clusterNodes.length > 0
      ? config.clusterNodes.map((url) => ({ setting: 'REDIS_CLUSTER_NODES', url }))
      : [{ setting: 'REDIS_URL', url: config.url }];
  const redlock = config.redlockNodes.filter((url) => !main.some((e) => e.url === url)).map((url) => ({ setting: 'REDLOCK_NODES', url }));
  return [...main, ...redlock];
}

/** Thrown at start-up: the settings say TLS where the server speaks none, or the reverse, or its certificate is not trusted. */
export class RedisTransportError extends Error {}

/**
 * A TLS mismatch is a configuration mistake, not an outage: a plain client on
 * a TLS-only port sees its connection reset, a TLS client on a plain port
 * waits for a handshake that never comes, and either would look like "Redis
 * is down" (503s and a not-ready probe) forever. So before connecting, ask
 * each configured server what it speaks and stop the start with a message
 * that names the setting to change. A server that is down or silent is not
 * this check's business: the app starts and stays not ready until it answers.
 */
export async function assertRedisTransports(endpoints: RedisEndpoint[], files: TlsFiles, timeoutMs: number): Promise<void> {
  const problems = (await Promise.all(endpoints.map((e) => transportProblem(e, files, timeoutMs)))).filter((p) => p !== undefined);
  if (problems.length > 0) throw new RedisTransportError(`Redis TLS settings do not match the servers:\n  ${problems.join('\n  ')}`);
}

async function transportProblem({ setting, url }: RedisEndpoint, files: TlsFiles, timeoutMs: number): Promise<string | undefined> {
  const parsed = new URL(url.includes('://') ? url : `redis://${url}`);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = Number(parsed.port || 6379);
  const where = `${host}:${port}`;
  const wantsTls = isTlsUrl(url);
  if (await answersPlainPing(host, port, timeoutMs)) {
    return wantsTls ? `${setting}: ${where} speaks plain Redis, not TLS: use redis:// for it, or the server's TLS port` : undefined;
  }
  const handshake = await tlsHandshake(host, port, timeoutMs, wantsTls ? files : undefined);
  if (handshake === 'no-tls') return undefined;
  if (!wantsTls) return `${setting}: ${where} accepts TLS connections only: use rediss:// (and REDIS_TLS_CA_FILE for a private CA)`;
  if (handshake === 'ok') return undefined;
  return handshake === 'ERR_TLS_CERT_ALTNAME_INVALID'
    ? `${setting}: the TLS certificate of ${where} is not issued for ${host} (${handshake})`
    : `${setting}: the TLS certificate of ${where} is not trusted (${handshake}): set REDIS_TLS_CA_FILE to the CA that signed it`;
}

/** True when the server answers a clear-text PING with a RESP reply (+PONG, or -NOAUTH when it wants a password). */
function answersPlainPing(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('data', (data: Buffer) => done(data[0] === 0x2b || data[0] === 0x2d));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
  });
}

/**
 * A TLS handshake: 'ok'; the verification error's code ('SELF_SIGNED_CERT_IN_CHAIN', ...) when it
 * speaks TLS but `files` do not make its certificate trusted; 'no-tls' when there is no handshake at all.
 * Without `files` only whether it speaks TLS is asked (nothing is verified, nothing is sent).
 */
function tlsHandshake(host: string, port: number, timeoutMs: number, files: TlsFiles | undefined): Promise<string> {
  return new Promise((resolve) => {
    let socket: TLSSocket | undefined = undefined;
    const done = (answer: string) => {
      clearTimeout(timer);
      socket?.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done('no-tls'), timeoutMs);
    socket = tlsConnect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      ...(files ?? {}),
      rejectUnauthorized: files !== undefined,
    });
    socket.once('secureConnect', () => done('ok'));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const verification = error.code && (/CERT|SIGNATURE|ISSUER|SELF_SIGNED|ALTNAME/.test(error.code) ? error.code : undefined);
      done(verification ?? 'no-tls');
    });
  });
}
