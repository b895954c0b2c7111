import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Connection, createConnection } from 'mysql2/promise';
import { freePort, startProcess } from './process-control';
import type { TestCertificates } from './tls-certificates';

const run = promisify(execFile);

export interface TlsMariadb {
  port: number;
  /** A root session over TLS, trusting the throw-away CA. */
  connect(database?: string): Promise<Connection>;
  stop(): Promise<void>;
}

/**
 * A throw-away MariaDB that speaks TLS only (require_secure_transport=ON,
 * Debian's mariadbd), on a free port with its own data directory made by
 * mariadb-install-db: root@127.0.0.1 without a password, no binary log.
 * The shared server is never touched.
 */
export async function startTlsMariadb(certificates: TestCertificates): Promise<TlsMariadb> {
  const dir = await mkdtemp(join(tmpdir(), 'seatguard-mariadb-'));
  const user = userInfo().username;
  const port = await freePort();
  try {
    await run(
      'mariadb-install-db',
      ['--no-defaults', `--datadir=${join(dir, 'data')}`, `--user=${user}`, '--auth-root-authentication-method=normal', '--skip-test-db'],
      { timeout: 120_000 },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const proc = startProcess(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--user=${user}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mariadb.sock')}`,
      `--pid-file=${join(dir, 'mariadb.pid')}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=32M',
      `--ssl-cert=${certificates.serverCertFile}`,
      `--ssl-key=${certificates.serverKeyFile}`,
      `--ssl-ca=${certificates.caFile}`,
      '--require-secure-transport=ON',
    ],
    process.env,
  );
  const stop = async () => {
    await proc.stop('SIGTERM', 20_000);
    await rm(dir, { recursive: true, force: true });
  };
  const ca = readFileSync(certificates.caFile);
  const connect = (database?: string) =>
    createConnection({ host: '127.0.0.1', port, user: 'root', password: '', database, ssl: { ca, rejectUnauthorized: true } });
  const until = Date.now() + 60_000;
  for (;;) {
    if (proc.exited()) {
      await stop();
      throw new Error(`mariadbd exited:\n${proc.output().slice(-2000)}`);
    }
    const session = await connect().catch(() => undefined);
    if (session) {
      await session.end();
      break;
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`mariadbd did not accept a TLS login on ${port}:\n${proc.output().slice(-2000)}`);
    }
    await sleep(200);
  }
  return { port, connect, stop };
}
