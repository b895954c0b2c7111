import type { DataSource } from 'typeorm';
import { Deadline } from '../concurrency/deadline';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';
import { AmbiguousCommitError, BoundedSql, SqlTimeoutError } from './bounded-sql';

/** What a statement does on the fake connection: answer rows, fail, or never answer. */
type Reply = { rows: unknown } | { error: Error } | 'hang';

/** mysql2's pool as BoundedSql uses it: getConnection(cb); a connection's query(sql, params, cb), release(), destroy(). */
class FakePool {
  readonly sent: string[] = [];
  released = 0;
  destroyed = 0;
  /** null: the pool has no free connection and never hands one over (until `handOverLate`). */
  available = true;
  private waiting: ((error: Error | null, connection: unknown) => void)[] = [];
  constructor(private readonly reply: (sql: string) => Reply) {}

  getConnection(cb: (error: Error | null, connection: unknown) => void): void {
    if (this.failure) return cb(this.failure, undefined);
    if (!this.available) return void this.waiting.push(cb);
    cb(null, this.connection());
  }

  handOverLate(): void {
    for (const cb of this.waiting.splice(0)) cb(null, this.connection());
  }

  /** What getConnection fails with instead of handing one over (a refused connection, a full queue). */
  failure: Error | null = null;

  private connection() {
    return {
      threadId: 42,
      query: (sql: string, _params: unknown[], cb: (error: Error | null, rows?: unknown) => void) => {
        this.sent.push(sql);
        const reply = this.reply(sql);
        if (reply === 'hang') return;
        setImmediate(() => ('error' in reply ? cb(reply.error) : cb(null, reply.rows)));
      },
      release: () => void (this.released += 1),
      destroy: () => void (this.destroyed += 1),
    };
  }
}

const serverError = (message: string) => Object.assign(new Error(message), { errno: 1213, fatal: false });
const connectionLost = () => Object.assign(new Error('Connection lost: The server closed the connection.'), { fatal: true });

function boundedSql(reply: (sql: string) => Reply = () => ({ rows: [] }), queryTimeoutMs = 5000) {
  const pool = new FakePool(reply);
  const db = { driver: { pool } } as unknown as DataSource;
  const config = { queryTimeoutMs };
  return { sql: new BoundedSql(db, config, new SeatguardMetrics()), pool };
}

describe('BoundedSql', () => {
  it('one statement: its rows, and the connection released', async () => {
    const { sql, pool } = boundedSql(() => ({ rows: [{ n: 1 }] }));
    expect(await sql.query('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    expect(pool).toMatchObject({ released: 1, destroyed: 0 });
  });

  it('a statement MySQL refuses: its error, and the connection destroyed rather than reused', async () => {
    const refused = serverError('Deadlock found');
    const { sql, pool } = boundedSql(() => ({ error: refused }));
    await expect(sql.query('UPDATE t SET a = 1')).rejects.toBe(refused);
    expect(pool).toMatchObject({ released: 0, destroyed: 1 });
  });

  it('a statement that never answers: SqlTimeoutError at the limit, the connection destroyed', async () => {
    const { sql, pool } = boundedSql(() => 'hang', 50);
    const failure = await sql.query('SELECT SLEEP(100)').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SqlTimeoutError);
    expect((failure as Error).message).toContain('SELECT, 50 ms');
    expect(pool).toMatchObject({ released: 0, destroyed: 1 });
  });

  it("the request's deadline shortens the limit below DB_QUERY_TIMEOUT_MS", async () => {
    const { sql } = boundedSql(() => 'hang', 60_000);
    const failure = await sql.query('SELECT 1', [], Deadline.in(30)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SqlTimeoutError);
    // The limit came from the deadline (<= 30 ms), not the 60 s statement timeout.
    expect(Number(/, (\d+) ms\)/.exec((failure as Error).message)?.[1])).toBeLessThanOrEqual(30);
  });

  it('no time left: refused before anything is sent', async () => {
    const { sql, pool } = boundedSql();
    const deadline = Deadline.in(1);
    for (const until = Date.now() + 1000; !deadline.expired() && Date.now() < until;) await new Promise((r) => setImmediate(r));
    await expect(sql.query('SELECT 1', [], deadline)).rejects.toBeInstanceOf(SqlTimeoutError);
    expect(pool.sent).toEqual([]);
  });

  it('no pooled connection in time: SqlTimeoutError; one handed over later goes straight back to the pool', async () => {
    const { sql, pool } = boundedSql(undefined, 30);
    pool.available = false;
    const failure = await sql.query('SELECT 1').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SqlTimeoutError);
    expect((failure as Error).message).toContain('waiting for a pooled connection');
    pool.handOverLate();
    expect(pool).toMatchObject({ released: 1, destroyed: 0 });
    expect(pool.sent).toEqual([]);
  });

  it('a transaction: READ COMMITTED on its connection, START, the work, COMMIT, released', async () => {
    const { sql, pool } = boundedSql(() => ({ rows: { affectedRows: 1 } }));
    const result = await sql.transaction(async (tx) => {
      await tx.query('UPDATE a');
      return 'done';
    });
    expect(result).toBe('done');
    expect(pool.sent).toEqual(['SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', 'START TRANSACTION', 'UPDATE a', 'COMMIT']);
    expect(pool).toMatchObject({ released: 1, destroyed: 0 });
  });

  it('work that fails: ROLLBACK, the connection released, the error as is', async () => {
    const { sql, pool } = boundedSql();
    const failure = new Error('business rule');
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT a');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(pool.sent.slice(-2)).toEqual(['INSERT a', 'ROLLBACK']);
    expect(pool).toMatchObject({ released: 1, destroyed: 0 });
  });

  it('COMMIT refused by the server (an errno, not fatal): not committed, so the error as is, never "ambiguous"', async () => {
    const refused = serverError('Deadlock found when trying to get lock');
    const { sql } = boundedSql((s) => (s === 'COMMIT' ? { error: refused } : { rows: [] }));
    await expect(sql.transaction(async (tx) => tx.query('INSERT a'))).rejects.toBe(refused);
  });

  it('COMMIT sent and its answer lost: AmbiguousCommitError, the connection destroyed, no ROLLBACK sent', async () => {
    const { sql, pool } = boundedSql((s) => (s === 'COMMIT' ? { error: connectionLost() } : { rows: [] }));
    await expect(sql.transaction(async (tx) => tx.query('INSERT a'))).rejects.toBeInstanceOf(AmbiguousCommitError);
    expect(pool.sent).not.toContain('ROLLBACK');
    expect(pool).toMatchObject({ released: 0, destroyed: 1 });
  });

  it('COMMIT that never answers: AmbiguousCommitError once the limit passes', async () => {
    const { sql } = boundedSql((s) => (s === 'COMMIT' ? 'hang' : { rows: [] }), 40);
    await expect(sql.transaction(async (tx) => tx.query('INSERT a'))).rejects.toBeInstanceOf(AmbiguousCommitError);
  });

  it('a procedure that commits by itself: a server error as is, a lost answer AmbiguousCommitError', async () => {
    const refused = Object.assign(serverError('seat_no exceeds event capacity'), { sqlState: '45000' });
    const refusing = boundedSql(() => ({ error: refused }));
    await expect(refusing.sql.callCommitting('CALL insert_booking()', [])).rejects.toBe(refused);
    const losing = boundedSql(() => ({ error: connectionLost() }));
    await expect(losing.sql.callCommitting('CALL insert_booking()', [])).rejects.toBeInstanceOf(AmbiguousCommitError);
  });

  describe('only a statement that reached MySQL is ambiguous (issue 23): anything that failed before is the failure itself', () => {
    it.each([
      [
        'a refused connection',
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED', fatal: true, errno: -111 }),
      ],
      ["mysql2's queue limit", new Error('Queue limit reached.')],
    ])('%s: rejected as is, nothing sent', async (_what, failure) => {
      const { sql, pool } = boundedSql();
      pool.failure = failure;
      await expect(sql.callCommitting('CALL insert_booking()', [])).rejects.toBe(failure);
      expect(pool.sent).toEqual([]);
    });

    it('no pooled connection in time: SqlTimeoutError, not AmbiguousCommitError', async () => {
      const { sql, pool } = boundedSql(undefined, 30);
      pool.available = false;
      const failure = await sql.callCommitting('CALL insert_booking()', []).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(SqlTimeoutError);
      expect(failure).not.toBeInstanceOf(AmbiguousCommitError);
      pool.handOverLate();
    });

    it('a connection mysql2 already knows is closed: its refusal as is', async () => {
      const closed = Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true });
      const { sql } = boundedSql(() => ({ error: closed }));
      await expect(sql.callCommitting('CALL insert_booking()', [])).rejects.toBe(closed);
      const atCommit = boundedSql((q) => (q === 'COMMIT' ? { error: closed } : { rows: [] }));
      await expect(atCommit.sql.transaction(async (tx) => tx.query('INSERT a'))).rejects.toBe(closed);
    });

    it('a lost answer names the connection that sent it and when, for the fence (LostCommitSettler)', async () => {
      const { sql } = boundedSql(() => ({ error: connectionLost() }));
      const before = Date.now();
      const lost = (await sql.callCommitting('CALL insert_booking()', []).catch((e: unknown) => e)) as AmbiguousCommitError;
      expect(lost).toBeInstanceOf(AmbiguousCommitError);
      expect(lost.connectionId).toBe(42);
      expect(lost.sentAt).toBeGreaterThanOrEqual(before);
    });
  });

  it('reads how busy the pool is from mysql2 internals', () => {
    const { sql, pool } = boundedSql();
    Object.assign(pool, { _allConnections: [1, 2, 3], _freeConnections: [1], _connectionQueue: [1, 2] });
    expect(sql.usage()).toEqual({ inUse: 2, idle: 1, waiting: 2 });
  });
});
