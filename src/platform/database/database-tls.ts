import { createConnection } from 'mysql2/promise';
import { readTlsFiles } from '../config/tls-files';
import type { DatabaseEnvironment } from '../config/environment.schema';

/** mysql2's `ssl` option: what the server's certificate is verified against, and the client's own. */
export interface DatabaseTlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: true;
  /** The certificate must name DB_HOST (mysql2 checks it for host names; an IP address is checked by the CA alone). */
  verifyIdentity: true;
}

/** TLS is on with DB_TLS=true (system CAs) or as soon as one DB_TLS_*_FILE is set; undefined = plain. */
export function databaseTls(env: DatabaseEnvironment): DatabaseTlsOptions | undefined {
  if (!env.DB_TLS && !env.DB_TLS_CA_FILE && !env.DB_TLS_CERT_FILE && !env.DB_TLS_KEY_FILE) return undefined;
  const files = readTlsFiles({
    ca: ['DB_TLS_CA_FILE', env.DB_TLS_CA_FILE],
    cert: ['DB_TLS_CERT_FILE', env.DB_TLS_CERT_FILE],
    key: ['DB_TLS_KEY_FILE', env.DB_TLS_KEY_FILE],
  });
  return { ...files, rejectUnauthorized: true, verifyIdentity: true };
}

/** A start-up failure that retrying cannot fix: the TLS settings do not match the server. */
export class DatabaseTlsError extends Error {}

/**
 * The driver's error for a TLS mismatch, as a message naming the setting to
 * change; undefined for anything else (MySQL down or slow is retried as before).
 * To a plain client a server that requires TLS says ER_SECURE_TRANSPORT_REQUIRED
 * (MySQL), or just "Access denied" (MariaDB's require_secure_transport): so a
 * plain login that is denied is tried once more over TLS, unverified and only to
 * tell the two apart. mysql2 says HANDSHAKE_NO_SSL_SUPPORT when it asked for TLS
 * and the server offers none; Node's TLS layer names a certificate problem.
 */
export async function explainDatabaseTlsFailure(error: unknown, env: DatabaseEnvironment): Promise<DatabaseTlsError | undefined> {
  const { code, errno, message } = (error ?? {}) as { code?: string; errno?: number; message?: string };
  const where = `MySQL at ${env.DB_HOST}:${env.DB_PORT}`;
  const tlsOnly = `DB_TLS: ${where} accepts TLS connections only: set DB_TLS=true (and DB_TLS_CA_FILE for a private CA)`;
  if (code === 'ER_SECURE_TRANSPORT_REQUIRED' || errno === 3159 || /insecure transport are prohibited/i.test(message ?? '')) {
    return new DatabaseTlsError(tlsOnly);
  }
  if (code === 'ER_ACCESS_DENIED_ERROR' && !databaseTls(env) && (await logsInOverTls(env))) {
    return new DatabaseTlsError(`${tlsOnly} (a plain login is answered "Access denied")`);
  }
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new DatabaseTlsError(`DB_TLS: ${where} does not offer TLS; turn DB_TLS and DB_TLS_*_FILE off, or enable TLS on the server`);
  }
  // mysql2 reports a failed handshake as HANDSHAKE_SSL_ERROR with Node's message ("self-signed certificate in certificate chain").
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || (code === 'HANDSHAKE_SSL_ERROR' && /does not match|altname/i.test(message ?? ''))) {
    return new DatabaseTlsError(`DB_HOST: the TLS certificate of ${where} is not issued for ${env.DB_HOST} (${message})`);
  }
  if (code === 'HANDSHAKE_SSL_ERROR' || (code && /CERT|SIGNATURE|ISSUER|SELF_SIGNED/.test(code))) {
    return new DatabaseTlsError(
      `DB_TLS_CA_FILE: the TLS certificate of ${where} is not trusted (${message}): set DB_TLS_CA_FILE to the CA that signed it`,
    );
  }
  return undefined;
}

/** Whether the same login succeeds over TLS (certificate not verified: this only diagnoses, and sends no query). */
async function logsInOverTls(env: DatabaseEnvironment): Promise<boolean> {
  try {
    const connection = await createConnection({
      host: env.DB_HOST,
      port: env.DB_PORT,
      user: env.DB_USER,
      password: env.DB_PASSWORD,
      connectTimeout: env.DB_CONNECT_TIMEOUT_MS,
      ssl: { rejectUnauthorized: false },
    });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}
