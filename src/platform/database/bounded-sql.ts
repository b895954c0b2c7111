import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolConnection } from 'mysql2';
import { DataSource } from 'typeorm';
import { Deadline } from '../concurrency/deadline';
import { databaseConfig, DatabaseConfig } from '../config/configuration';
import { SeatguardMetrics } from '../metrics/seatguard-metrics';

/** A wait on MySQL (a pooled connection or a statement) ran out of time. */
export class SqlTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`MySQL did not answer in time (${what}, ${ms} ms)`);
  }
}

/** The statement was never handed to MySQL (no time left before the deadline): nothing can have happened. */
export class StatementNotSentError extends SqlTimeoutError {
  constructor() {
    super('no time left before the deadline', 0);
  }
}

/**
 * COMMIT (or a statement that commits by itself) was sent on a live
 * connection but its answer never came (connection lost, timed out): the
 * transaction may or may not have committed. Only MySQL can tell, and only
 * once that connection can no longer commit: LostCommitSettler fences it by
 * `connectionId` and then asks. A failure before the statement was sent
 * (pool wait, queue full, refused connection, deadline) is never this.
 */
export class AmbiguousCommitError extends Error {
  constructor(
    cause: unknown,
    /** MySQL's thread id of the connection that sent it (null if the handshake never told). */
    readonly connectionId: number | null = null,
    /** When it was sent (epoch ms). */
    readonly sentAt: number = Date.now(),
  ) {
    super('the connection was lost after COMMIT was sent; the outcome is unknown', { cause });
  }
}

/** Statements of one open transaction. */
export interface SqlTransaction {
  query<T>(sql: string, params?: unknown[]): Promise<T>;
}

/**
 * Every MySQL wait bounded. mysql2's pool waits for a free connection without
 * a time limit, and a statement sent to a frozen server never returns; its own
 * `timeout` option leaves the connection checked out for good. So: a pooled
 * connection is awaited at most until the limit, a statement runs at most
 * until the limit, and a connection whose statement timed out is destroyed
 * (the server rolls back what it had not committed), never reused.
 *
 * The limit is DB_QUERY_TIMEOUT_MS per statement, cut shorter by the
 * request's deadline when one is given.
 */
@Injectable()
export class BoundedSql {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(databaseConfig.KEY) private readonly config: DatabaseConfig,
    private readonly metrics: SeatguardMetrics,
  ) {}

  /** One statement on a pooled connection. */
  async query<T>(sql: string, params: unknown[] = [], deadline?: Deadline): Promise<T> {
    const connection = await this.acquire(deadline);
    try {
      const rows = await this.run<T>(connection, sql, params, deadline);
      connection.release();
      return rows;
    } catch (error) {
      connection.discard();
      throw error;
    }
  }

  /**
   * One statement that commits by itself (a stored procedure ending in
   * COMMIT): an answer lost on the way back is an AmbiguousCommitError, like a
   * lost COMMIT answer in `transaction`; an error MySQL raised is itself, and
   * so is every failure before the statement was sent (no pooled connection
   * in time, queue full, connection refused, deadline passed): nothing
   * reached MySQL, so nothing can have committed.
   */
  async callCommitting<T>(sql: string, params: unknown[], deadline?: Deadline): Promise<T> {
    const endTimer = this.metrics.transactionSeconds.startTimer();
    try {
      const connection = await this.acquire(deadline);
      const sentAt = Date.now();
      try {
        const rows = await this.run<T>(connection, sql, params, deadline);
        connection.release();
        return rows;
      } catch (error) {
        connection.discard();
        if (isServerRefusal(error) || wasNotSent(error)) throw error;
        throw new AmbiguousCommitError(error, connection.raw.threadId ?? null, sentAt);
      }
    } finally {
      endTimer();
    }
  }

  /**
   * `work` inside one transaction (READ COMMITTED, set once per connection:
   * every statement sees what others committed before it, which the
   * per-customer count and the capacity check rely on).
   * Rolled back on any error; an answer lost after COMMIT was sent is an
   * AmbiguousCommitError, never "nothing happened".
   */
  async transaction<T>(work: (tx: SqlTransaction) => Promise<T>, deadline?: Deadline): Promise<T> {
    const endTimer = this.metrics.transactionSeconds.startTimer();
    try {
      return await this.transactionOn(work, deadline);
    } finally {
      endTimer();
    }
  }

  private async transactionOn<T>(work: (tx: SqlTransaction) => Promise<T>, deadline?: Deadline): Promise<T> {
    const connection = await this.acquire(deadline);
    const tx: SqlTransaction = { query: (sql, params = []) => this.run(connection, sql, params, deadline) };
    let committingSince: number | null = null;
    try {
      await this.readCommitted(connection, deadline);
      await tx.query('START TRANSACTION');
      const result = await work(tx);
      committingSince = Date.now();
      await tx.query('COMMIT');
      connection.release();
      return result;
    } catch (error) {
      if (committingSince !== null && !isServerRefusal(error) && !wasNotSent(error)) {
        connection.discard();
        throw new AmbiguousCommitError(error, connection.raw.threadId ?? null, committingSince);
      }
      await this.rollback(connection);
      throw error;
    }
  }

  /** Connections whose session is READ COMMITTED already: one round trip per connection, not per transaction. */
  private readonly readCommittedSessions = new WeakSet<PoolConnection>();

  private async readCommitted(connection: BoundedConnection, deadline?: Deadline): Promise<void> {
    if (this.readCommittedSessions.has(connection.raw)) return;
    await this.run(connection, 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', [], deadline);
    this.readCommittedSessions.add(connection.raw);
  }

  private async rollback(connection: BoundedConnection): Promise<void> {
    if (connection.discarded) return; // the server rolls back a transaction whose connection is gone
    try {
      await this.run(connection, 'ROLLBACK', [], Deadline.in(this.config.queryTimeoutMs));
      connection.release();
    } catch {
      connection.discard();
    }
  }

  /** How busy the pool is: connections in use, idle, and requests waiting for one (mysql2 internals, read at scrape time). */
  usage(): { inUse: number; idle: number; waiting: number } {
    const pool = this.pool as unknown as Mysql2PoolInternals | undefined;
    const all = pool?._allConnections?.length ?? 0;
    const idle = pool?._freeConnections?.length ?? 0;
    return { inUse: all - idle, idle, waiting: pool?._connectionQueue?.length ?? 0 };
  }

  private limitMs(deadline?: Deadline): number {
    return Math.min(this.config.queryTimeoutMs, deadline ? deadline.remainingMs() : Infinity);
  }

  private get pool(): Pool {
    return (this.db.driver as unknown as { pool: Pool }).pool;
  }

  private acquire(deadline?: Deadline): Promise<BoundedConnection> {
    const ms = this.limitMs(deadline);
    return new Promise((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new SqlTimeoutError('waiting for a pooled connection', ms));
      }, ms);
      this.pool.getConnection((error, connection) => {
        // Handed over after we gave up: straight back to the pool.
        if (late) return void (error ? undefined : connection.release());
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(new BoundedConnection(connection));
      });
    });
  }

  private run<T>(connection: BoundedConnection, sql: string, params: unknown[], deadline?: Deadline): Promise<T> {
    const ms = this.limitMs(deadline);
    if (ms <= 0) return Promise.reject(new StatementNotSentError());
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        connection.discard();
        reject(new SqlTimeoutError(firstWord(sql), ms));
      }, ms);
      connection.raw.query(sql, params, (error, rows) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(rows as T);
      });
    });
  }
}

/** The fields of mysql2's pool that say how busy it is (not in its public types). */
interface Mysql2PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/** A pooled connection that is given back exactly once: released, or destroyed if it cannot be trusted. */
class BoundedConnection {
  discarded = false;
  private returned = false;

  constructor(readonly raw: PoolConnection) {}

  release(): void {
    if (this.returned) return;
    this.returned = true;
    this.raw.release();
  }

  discard(): void {
    this.discarded = true;
    if (this.returned) return;
    this.returned = true;
    this.raw.destroy();
  }
}

/** The server answered COMMIT with an error of its own: it did not commit. */
function isServerRefusal(error: unknown): boolean {
  const e = error as { errno?: unknown; fatal?: unknown };
  return typeof e?.errno === 'number' && e.fatal !== true;
}

/**
 * Failures that happen before a statement leaves this process: the deadline
 * had passed, or mysql2 refused to queue it on a connection it already knew
 * to be closed. (A statement written to a socket that then dies may have
 * reached MySQL: that one is ambiguous.)
 */
function wasNotSent(error: unknown): boolean {
  if (error instanceof StatementNotSentError) return true;
  return (error as { message?: unknown } | null)?.message === "Can't add new command when connection is in closed state";
}

const firstWord = (sql: string): string => sql.trim().split(/\s+/, 1)[0].toUpperCase();
