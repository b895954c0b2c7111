import { Inject, Injectable } from '@nestjs/common';
import { Deadline } from '../concurrency/deadline';
import { databaseConfig, DatabaseConfig } from '../config/configuration';
import { ChangeOutcomeUnknownError } from '../../shared/errors/domain-errors';
import { AmbiguousCommitError, BoundedSql } from './bounded-sql';

/** MySQL's "Unknown thread id": the connection is gone already. */
const ER_NO_SUCH_THREAD = 1094;
/** How often to look whether a killed connection has finished (a rollback can take a moment). */
const POLL_MS = 10;
/** Uptime is in whole seconds, and a request takes a while: a margin before calling a server "restarted since". */
const UPTIME_MARGIN_MS = 1500;
const MAX_REMEMBERED_FENCES = 1000;

/**
 * Settles a lost COMMIT by asking MySQL, the one place that knows. Asking is
 * only final once the lost transaction can no longer commit: its statement
 * may still sit in a socket buffer or a frozen server and run after a first
 * look found nothing. So `settle` first fences the connection that sent it
 * (KILL CONNECTION by its thread id, then waits until MySQL has ended that
 * thread: a commit in progress completes, anything else is rolled back), and
 * only then runs `lookup` (a read by reference, by id...), whose answer is
 * then the outcome for good. If the server restarted since the statement was
 * sent, its connections died with it and crash recovery settled them: no KILL
 * (thread ids start again at 1 and would hit another connection).
 *
 * Throws whatever MySQL throws, or DeadlineExceededError, if it cannot be
 * asked in time: the caller keeps the outcome open and tries again later.
 */
@Injectable()
export class LostCommitSettler {
  constructor(
    private readonly sql: BoundedSql,
    @Inject(databaseConfig.KEY) private readonly config: DatabaseConfig,
  ) {}

  async settle<T>(lost: AmbiguousCommitError, lookup: () => Promise<T>, deadline?: Deadline): Promise<T> {
    await this.fence(lost, deadline ?? Deadline.in(this.config.queryTimeoutMs));
    return lookup();
  }

  /**
   * Runs `change` (a transaction that ends or changes something); if its
   * COMMIT answer is lost, fences the lost transaction and answers `settled`,
   * which reads the outcome (or redoes the change, if it did not commit).
   * MySQL not answering meanwhile: ChangeOutcomeUnknownError (a 503 that is
   * safe to repeat; `eventId` says which inventory to reconcile).
   */
  async changeOrSettle<T>(change: () => Promise<T>, settled: () => Promise<T>, eventId: () => number | null): Promise<T> {
    try {
      return await change();
    } catch (error) {
      if (!(error instanceof AmbiguousCommitError)) throw error;
      try {
        return await this.settle(error, settled);
      } catch (cause) {
        throw new ChangeOutcomeUnknownError(eventId(), cause);
      }
    }
  }

  /** Resolves once the transaction `lost` was sent on has committed or never will. */
  async fence(lost: AmbiguousCommitError, deadline: Deadline): Promise<void> {
    if (lost.connectionId === null) return;
    // Several bookings in doubt on one connection (a batch, or a settle retried): one fence does for all of them.
    if ((this.fenced.get(lost.connectionId) ?? 0) >= lost.sentAt) return;
    const fencing = Date.now();
    await this.fenceConnection(lost.connectionId, lost.sentAt, deadline);
    this.rememberFenced(lost.connectionId, fencing);
  }

  /** Connections known gone, and when they were seen gone (a thread id is not reused while the server runs). */
  private readonly fenced = new Map<number, number>();

  private rememberFenced(connectionId: number, at: number): void {
    this.fenced.delete(connectionId);
    this.fenced.set(connectionId, at);
    // Only recent ones matter: a lost COMMIT is settled within seconds of MySQL answering.
    if (this.fenced.size > MAX_REMEMBERED_FENCES) this.fenced.delete(this.fenced.keys().next().value as number);
  }

  private async fenceConnection(connectionId: number, sentAt: number, deadline: Deadline): Promise<void> {
    if (await this.restartedSince(sentAt, deadline)) return;
    try {
      await this.sql.query('KILL CONNECTION ?', [connectionId], deadline);
    } catch (error) {
      if ((error as { errno?: number }).errno !== ER_NO_SUCH_THREAD) throw error;
    }
    // KILL only flags the thread; it is gone once its transaction has ended one way or the other.
    for (;;) {
      const [{ n }] = await this.sql.query<{ n: number }[]>(
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?',
        [connectionId],
        deadline,
      );
      if (Number(n) === 0) return;
      deadline.throwIfExpired('waiting for MySQL to end a connection whose COMMIT answer was lost');
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async restartedSince(sentAt: number, deadline: Deadline): Promise<boolean> {
    const rows = await this.sql.query<{ Value: string }[]>("SHOW GLOBAL STATUS LIKE 'Uptime'", [], deadline);
    const upForMs = Number(rows[0]?.Value ?? Infinity) * 1000;
    return upForMs < Date.now() - sentAt + UPTIME_MARGIN_MS;
  }
}
