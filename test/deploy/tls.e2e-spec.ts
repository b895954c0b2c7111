import Redis, { Cluster } from 'ioredis';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { startTlsMariadb } from '../../tools/mariadb-server';
import { startRedisCluster } from '../../tools/redis-cluster';
import { startExtraRedis } from '../../tools/redis-server';
import { makeTestCertificates, TestCertificates } from '../../tools/tls-certificates';
import { STRATEGY_NAMES } from '../../src/domain/inventory/strategies/strategy-name';
import { ChildApp, startChildApp } from '../support/child-app';
import { FreePoolReader, readSaleState, RowsQuery } from '../../tools/invariants/read-sale-state';
import { saleViolations } from '../../tools/invariants/sale-invariants';
import { Cleanups } from '../support/cleanups';
import { book, burst, countByStatus, createEvent } from '../support/sale';
import { closeTestDb, rows, truncateAll } from '../support/test-db';
import { testEnvironment } from '../setup/test-settings';

const CAPACITY = 20;
const MIGRATE = join(__dirname, '..', '..', 'dist', 'src', 'platform', 'database', 'migrate-with-lock.js');

/** An app that must not start: how it ended (it has to exit on its own, well before the ready timeout). */
async function startFailure(env: Record<string, string>): Promise<string> {
  return startChildApp(env, { readyTimeoutMs: 15_000 }).then(
    async (app) => {
      await app.stop();
      return 'started';
    },
    (error: Error) => error.message,
  );
}

/**
 * Managed Redis and MySQL services speak TLS only. The app reaches them with
 * rediss:// URLs (single, cluster seeds, Redlock nodes; the WATCH pools
 * follow) and DB_TLS_* settings, trusting a private CA from a file; against
 * throw-away TLS-only servers started here with a CA made here, every strategy
 * sells out exactly, and a plain or untrusted setting stops the start with a
 * message naming the setting to change.
 */
describe('TLS to Redis and MySQL', () => {
  let certificates: TestCertificates;
  const cleanups = new Cleanups();
  const later = <T extends object>(thing: T, stop: (t: T) => Promise<unknown>): T => cleanups.later(thing, stop);

  beforeAll(async () => {
    await truncateAll();
    certificates = await makeTestCertificates();
  });
  afterEach(() => cleanups.runAll());
  afterAll(async () => {
    await certificates?.remove();
    await closeTestDb();
  });

  /** Every strategy: 2 × capacity buyers at once, capacity 201s, the rest SOLD_OUT, and docs/design.md §1 holds in storage. */
  async function sellOutOnEveryStrategy(app: ChildApp, query: RowsQuery, redis: FreePoolReader): Promise<void> {
    for (const strategy of STRATEGY_NAMES) {
      const event = await createEvent(app.url, { capacity: CAPACITY, strategy });
      const answers = await burst(2 * CAPACITY, () => book(app.url, event.id, 1));
      expect({ strategy, counts: countByStatus(answers) }).toEqual({ strategy, counts: { 201: CAPACITY, 409: CAPACITY } });
      const stored = await readSaleState(query, event.id, redis);
      expect({ strategy, violations: saleViolations({ capacity: CAPACITY, answers, ...stored, expectSoldOut: true }) }).toEqual({
        strategy,
        violations: [],
      });
    }
  }

  it('Redis: a TLS-only server sells out exactly on every strategy; a plain URL or an untrusted CA stops the start, naming the setting', async () => {
    const redis = later(await startExtraRedis({ tls: certificates }), (r) => r.stop());
    expect(redis.url).toMatch(/^rediss:\/\//);
    const tls = { REDIS_URL: redis.url, REDLOCK_NODES: redis.url, REDIS_TLS_CA_FILE: certificates.caFile };
    const app = later(await startChildApp(tls), (a) => a.stop());
    const reader = later(new Redis(redis.url, { tls: { ca: readFileSync(certificates.caFile) } }), (r) => r.quit());
    await sellOutOnEveryStrategy(app, rows, reader);

    const plain = redis.url.replace('rediss://', 'redis://');
    expect(await startFailure({ ...tls, REDIS_URL: plain })).toMatch(
      new RegExp(
        `^process exited during start-up:[^]*seatguard failed to start: Redis TLS settings do not match the servers:\\n  REDIS_URL: 127.0.0.1:${redis.port} accepts TLS connections only: use rediss://`,
      ),
    );
    expect(await startFailure({ ...tls, REDLOCK_NODES: plain })).toMatch(
      /^process exited during start-up:[^]*\n {2}REDLOCK_NODES: 127\.0\.0\.1:\d+ accepts TLS connections only/,
    );
    expect(await startFailure({ ...tls, REDIS_TLS_CA_FILE: certificates.otherCaFile })).toMatch(
      /^process exited during start-up:[^]*\n {2}REDIS_URL: the TLS certificate of 127\.0\.0\.1:\d+ is not trusted \([A-Z_]+\): set REDIS_TLS_CA_FILE/,
    );
  });

  it('MySQL: a TLS-only MariaDB (require_secure_transport) with a client certificate migrates and sells out exactly on every strategy; plain or an untrusted CA stops the start, naming the setting', async () => {
    const mariadb = later(await startTlsMariadb(certificates), (m) => m.stop());
    const redis = later(await startExtraRedis({ tls: certificates }), (r) => r.stop());
    const tlsDb = {
      DB_HOST: '127.0.0.1',
      DB_PORT: String(mariadb.port),
      DB_USER: 'seatguard_tls',
      DB_PASSWORD: 'tls-user-password',
      DB_NAME: 'seatguard_tls_test',
      DB_TLS_CA_FILE: certificates.caFile,
      DB_TLS_CERT_FILE: certificates.clientCertFile,
      DB_TLS_KEY_FILE: certificates.clientKeyFile,
    };
    const env = { ...tlsDb, REDIS_URL: redis.url, REDLOCK_NODES: redis.url, REDIS_TLS_CA_FILE: certificates.caFile };
    const admin = later(await mariadb.connect(), (c) => c.end());
    await admin.query('CREATE DATABASE seatguard_tls_test');
    // The application user must show a certificate signed by the CA (REQUIRE X509): DB_TLS_CERT_FILE/KEY_FILE are used.
    await admin.query("CREATE USER 'seatguard_tls'@'127.0.0.1' IDENTIFIED BY 'tls-user-password' REQUIRE X509");
    await admin.query("GRANT ALL PRIVILEGES ON seatguard_tls_test.* TO 'seatguard_tls'@'127.0.0.1'");
    const withoutCertificate = mysql
      .createConnection({
        host: '127.0.0.1',
        port: mariadb.port,
        user: 'seatguard_tls',
        password: 'tls-user-password',
        ssl: { ca: readFileSync(certificates.caFile) },
      })
      .then(
        (c) => c.end().then(() => 'logged in'),
        (error: { code?: string }) => error.code,
      );
    expect(await withoutCertificate).toBe('ER_ACCESS_DENIED_ERROR');
    // The migrations take the same settings (databaseOptions), over TLS too.
    await promisify(execFile)(process.execPath, [MIGRATE], { env: { ...process.env, ...testEnvironment(), ...tlsDb }, timeout: 60_000 });

    const app = later(await startChildApp(env), (a) => a.stop());
    const session = later(await mariadb.connect('seatguard_tls_test'), (c) => c.end());
    const [[cipher]] = (await session.query("SHOW SESSION STATUS LIKE 'Ssl_version'")) as unknown as [{ Value: string }[]];
    expect(cipher.Value).toMatch(/^TLSv1\.[23]$/);
    const query: RowsQuery = async <T>(sql: string, params: unknown[]) => (await session.query(sql, params))[0] as T[];
    const reader = later(new Redis(redis.url, { tls: { ca: readFileSync(certificates.caFile) } }), (r) => r.quit());
    await sellOutOnEveryStrategy(app, query, reader);
    const [[{ n }]] = (await session.query(
      "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE db = 'seatguard_tls_test'",
    )) as unknown as [{ n: number }[]];
    expect(Number(n)).toBeGreaterThan(1);

    // Plain, as a user without REQUIRE X509 (MariaDB answers a plain login "Access denied"; the app finds out why).
    const plain = { ...env, DB_USER: 'root', DB_PASSWORD: '', DB_TLS_CA_FILE: '', DB_TLS_CERT_FILE: '', DB_TLS_KEY_FILE: '' };
    expect(await startFailure(plain)).toMatch(
      new RegExp(
        `^process exited during start-up:[^]*seatguard failed to start: DB_TLS: MySQL at 127.0.0.1:${mariadb.port} accepts TLS connections only: set DB_TLS=true`,
      ),
    );
    expect(await startFailure({ ...env, DB_TLS_CA_FILE: certificates.otherCaFile })).toMatch(
      /^process exited during start-up:[^]*seatguard failed to start: DB_TLS_CA_FILE: the TLS certificate of MySQL at 127\.0\.0\.1:\d+ is not trusted \(.+\): set DB_TLS_CA_FILE/,
    );
  });

  it('Redis Cluster: TLS-only nodes (cluster bus and replication too) sell out exactly on every strategy; plain seeds stop the start', async () => {
    const cluster = later(await startRedisCluster({ tls: certificates }), (c) => c.stop());
    const lockRedis = later(await startExtraRedis({ tls: certificates }), (r) => r.stop());
    const tls = { REDIS_CLUSTER_NODES: cluster.seeds.join(','), REDLOCK_NODES: lockRedis.url, REDIS_TLS_CA_FILE: certificates.caFile };
    const app = later(await startChildApp(tls), (a) => a.stop());
    const nodes = cluster.seeds.map((s) => ({ host: '127.0.0.1', port: Number(new URL(s).port) }));
    const reader = later(new Cluster(nodes, { redisOptions: { tls: { ca: readFileSync(certificates.caFile) } } }), (c) => c.quit());
    await sellOutOnEveryStrategy(app, rows, reader);

    const plainSeeds = cluster.seeds.map((s) => s.replace('rediss://', '')).join(',');
    expect(await startFailure({ ...tls, REDIS_CLUSTER_NODES: plainSeeds })).toMatch(
      /^process exited during start-up:[^]*\n {2}REDIS_CLUSTER_NODES: 127\.0\.0\.1:\d+ accepts TLS connections only: use rediss:\/\//,
    );
  });
});
