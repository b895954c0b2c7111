import Redis from 'ioredis';
import { Connection, createConnection } from 'mysql2/promise';
import { setTimeout as sleep } from 'node:timers/promises';
import { comQuery, isCommitQuery, MysqlPacketReader, mysqlPacket } from '../../tools/mysql-packets';
import { ExtraRedis, startExtraRedis, WriteRefusal } from '../../tools/redis-server';
import { startTcpProxy, TcpProxy } from '../../tools/tcp-proxy';
import { waitFor } from '../support/wait-for';

/**
 * The fault tools the drills rely on, checked against the real servers: a
 * drill that passes because its fault never happened would prove nothing.
 * Uses its own throw-away database on the local MariaDB and throw-away
 * redis-servers, never the shared ones' data.
 */
/** The MySQL admin account, as scripts/setup-database.js finds it: creating a database needs more than the app's user. */
const MYSQL = {
  host: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 3306),
  user: process.env.MYSQL_ADMIN_USER || 'root',
  password: process.env.MYSQL_ADMIN_PASSWORD || '',
};
const DATABASE = 'seatguard_tools_test';

/** 'pending' if `promise` has not settled after `ms`. */
async function stateAfter(promise: Promise<unknown>, ms: number): Promise<'pending' | 'resolved' | 'rejected'> {
  // The timer is cleared once the race is decided: a timer left running keeps jest from exiting after the suite.
  const timer = new AbortController();
  try {
    return await Promise.race([
      promise.then(
        () => 'resolved' as const,
        () => 'rejected' as const,
      ),
      sleep(ms, 'pending' as const, { signal: timer.signal }),
    ]);
  } finally {
    timer.abort();
  }
}

describe('tools: MySQL packet reader', () => {
  it('finds whole packets however TCP cuts the stream, and recognises only a bare COMMIT query', () => {
    const stream = Buffer.concat([comQuery('SELECT 1'), comQuery('  commit; '), comQuery('COMMIT')]);
    for (const cut of [1, 3, 4, 5, 13, stream.length - 1]) {
      const reader = new MysqlPacketReader();
      const packets = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(packets.map(isCommitQuery)).toEqual([false, true, true]);
    }
    const byteByByte = new MysqlPacketReader();
    const found = [...stream].flatMap((b) => byteByByte.push(Buffer.from([b])));
    expect(found).toHaveLength(3);
    expect(isCommitQuery({ sequenceId: 0, payload: Buffer.from('\x03COMMIT AND CHAIN') })).toBe(false);
    expect(isCommitQuery({ sequenceId: 0, payload: Buffer.from("\x03SELECT 'COMMIT'") })).toBe(false);
    // Not a command: a handshake or result packet that happens to carry the same bytes.
    const notACommand = new MysqlPacketReader().push(mysqlPacket(1, Buffer.from('\x03COMMIT')));
    expect(notACommand.map(isCommitQuery)).toEqual([false]);
  });
});

describe('tools: TCP proxy in front of MySQL', () => {
  jest.setTimeout(15_000);
  let admin: Connection;
  let proxy: TcpProxy;
  const opened: Connection[] = [];
  const throughProxy = async (connectTimeout = 10_000) => {
    const c = await createConnection({ ...MYSQL, port: proxy.port, database: DATABASE, connectTimeout });
    opened.push(c);
    c.on('error', () => undefined); // a dropped connection is what some tests want
    return c;
  };
  const count = async () => Number(((await admin.query('SELECT COUNT(*) AS n FROM t'))[0] as { n: number }[])[0].n);

  beforeAll(async () => {
    admin = await createConnection(MYSQL);
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.query(`CREATE TABLE ${DATABASE}.t (id INT PRIMARY KEY) ENGINE=InnoDB`);
    await admin.query(`USE ${DATABASE}`);
  });
  beforeEach(async () => {
    proxy = await startTcpProxy(MYSQL.host, MYSQL.port);
    await admin.query('DELETE FROM t');
  });
  afterEach(async () => {
    for (const c of opened.splice(0)) c.destroy();
    await proxy.close();
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.end();
  });

  it('cut drops connections and restore lets new ones in', async () => {
    const before = await throughProxy();
    await proxy.cut();
    await expect(before.query('SELECT 1')).rejects.toThrow();
    await expect(createConnection({ ...MYSQL, port: proxy.port, connectTimeout: 1000 })).rejects.toThrow();
    await proxy.restore();
    const after = await throughProxy();
    expect((await after.query('SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);
  });

  it('stall: a query on an open connection and a new connection hear nothing; nothing is closed; resume delivers both', async () => {
    const open = await throughProxy();
    expect((await open.query('SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);
    proxy.stall();
    const query = open.query('SELECT 2 AS two');
    const newcomer = throughProxy(20_000);
    expect(await stateAfter(query, 1500)).toBe('pending');
    expect(await stateAfter(newcomer, 0)).toBe('pending'); // accepted, but no greeting reached it
    proxy.resume();
    expect((await query)[0]).toEqual([{ two: 2 }]); // the same connection: it was never closed
    expect((await (await newcomer).query('SELECT 3 AS three'))[0] as unknown[]).toEqual([{ three: 3 }]);
  });

  it('stall: what a client sent before giving up still reaches the server on resume, like at a frozen server', async () => {
    const open = await throughProxy();
    proxy.stall();
    const insert = open.query('INSERT INTO t VALUES (7)');
    expect(await stateAfter(insert, 500)).toBe('pending');
    insert.catch(() => undefined); // mysql2 leaves a query pending on destroy(); its fate is read from MySQL below
    open.destroy(); // the client's timeout fires and it hangs up
    await sleep(200);
    expect(await count()).toBe(0);
    proxy.resume();
    // The server reads the INSERT, then the close behind it.
    await waitFor('the INSERT sent before the stall reached MySQL', async () => (await count()) === 1, 5000);
  });

  it('dropNextCommitReplies(1): the server commits, the client loses the connection; the next COMMIT is untouched', async () => {
    proxy.dropNextCommitReplies(1);
    const first = await throughProxy();
    await first.query('BEGIN');
    await first.query('INSERT INTO t VALUES (1)');
    await expect(first.query(' commit ')).rejects.toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
    expect(proxy.droppedCommitReplies).toBe(1);
    expect(await count()).toBe(1); // committed, seen from a connection that does not go through the proxy

    const second = await throughProxy();
    await second.beginTransaction();
    await second.query('INSERT INTO t VALUES (2)');
    await second.commit();
    expect(proxy.droppedCommitReplies).toBe(1);
    expect(await count()).toBe(2);
  });

  it('dropNextCommitReplies: a transaction that is rolled back is not counted, and queries that only mention COMMIT pass', async () => {
    proxy.dropNextCommitReplies(1);
    const c = await throughProxy();
    await c.query("SELECT 'COMMIT' AS word");
    await c.query('BEGIN');
    await c.query('INSERT INTO t VALUES (3)');
    await c.query('ROLLBACK');
    expect(proxy.droppedCommitReplies).toBe(0);
    await c.query('BEGIN');
    await c.query('INSERT INTO t VALUES (4)');
    await expect(c.query('COMMIT')).rejects.toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
    expect(proxy.droppedCommitReplies).toBe(1);
    expect((await admin.query('SELECT id FROM t'))[0] as unknown[]).toEqual([{ id: 4 }]);
  });

  it('dropNextCommitReplies with a filter: only transactions it accepts lose their reply, and the dropped ones are reported', async () => {
    proxy.dropNextCommitReplies(1, (queries) => queries.some((q) => q.includes('VALUES (9)')));
    const c = await throughProxy();
    await c.beginTransaction();
    await c.query('INSERT INTO t VALUES (8)');
    await c.commit();
    expect(proxy.droppedCommitReplies).toBe(0);
    await c.beginTransaction();
    await c.query('INSERT INTO t VALUES (9)');
    await expect(c.commit()).rejects.toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
    expect(proxy.droppedTransactions).toEqual([['START TRANSACTION', 'INSERT INTO t VALUES (9)']]);
    expect(await count()).toBe(2);
  });
});

describe('tools: a redis-server that refuses writes', () => {
  let server: ExtraRedis;
  let client: Redis;
  const writingScript = "return redis.call('SET', KEYS[1], ARGV[1])";

  beforeAll(async () => {
    server = await startExtraRedis();
    client = new Redis(server.url, { maxRetriesPerRequest: 0 });
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it.each<[WriteRefusal, RegExp]>([
    ['NOREPLICAS', /^NOREPLICAS/],
    ['OOM', /^OOM/],
  ])('refuseWrites(%s): SET and a writing EVAL get the error, reads still work; acceptWrites takes writes again', async (reason, error) => {
    await client.set('k', 'before');
    await server.refuseWrites(reason);
    await expect(client.set('k', 'during')).rejects.toThrow(error);
    await expect(client.eval(writingScript, 1, 'k', 'during')).rejects.toThrow(error);
    expect(await client.get('k')).toBe('before');
    expect(await client.ping()).toBe('PONG');
    await server.acceptWrites();
    expect(await client.set('k', 'after')).toBe('OK');
    expect(await client.eval(writingScript, 1, 'k', 'again')).toBe('OK');
    expect(await client.get('k')).toBe('again');
  });

  it('both refusals at once are undone by one acceptWrites, back to the original settings', async () => {
    const original = await client.config('GET', '*');
    await server.refuseWrites('NOREPLICAS');
    await server.refuseWrites('OOM');
    await expect(client.set('k', 'x')).rejects.toThrow(/^(NOREPLICAS|OOM)/);
    await server.acceptWrites();
    expect(await client.config('GET', '*')).toEqual(original);
  });
});
