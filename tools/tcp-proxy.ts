import { once } from 'node:events';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { isCommitQuery, MysqlPacketReader, queryText } from './mysql-packets';

/** Stored procedures that run a transaction through COMMIT by themselves (migrations/…-BookInOneCall, …-BookInBatches). */
const SELF_COMMITTING_CALL = /^\s*CALL\s+`?insert_bookings?`?\s*\(/i;

export interface TcpProxy {
  port: number;
  /** Drops every open connection and refuses new ones: the peer "went away". */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  /**
   * Stops forwarding in both directions without closing anything, like a
   * frozen server (SIGSTOP): open connections stay open and hear nothing; new
   * ones are accepted and hear nothing either (not even MySQL's greeting).
   */
  stall(): void;
  /** Forwards again, starting with whatever was sent during the stall (a close included). */
  resume(): void;
  /**
   * For the next `n` COMMITs a client sends (only those whose transaction
   * `onlyIf` accepts, when given): forward the COMMIT, and when the server's
   * reply comes back, close both sides instead of passing it on. The server
   * has committed; the client only sees a lost connection.
   */
  dropNextCommitReplies(n: number, onlyIf?: TransactionFilter): void;
  /** COMMIT replies dropped so far. */
  readonly droppedCommitReplies: number;
  /** The queries of each transaction whose COMMIT reply was dropped (each cut to its first 200 bytes). */
  readonly droppedTransactions: string[][];
  close(): Promise<void>;
}

/** Which transactions' COMMIT replies may be dropped, from the queries sent since BEGIN. */
export type TransactionFilter = (queries: string[]) => boolean;

/** The budget of COMMIT replies to drop, shared by every connection of one proxy. */
class CommitReplyDropper {
  private remaining = 0;
  private onlyIf: TransactionFilter = () => true;
  readonly droppedTransactions: string[][] = [];

  get dropped(): number {
    return this.droppedTransactions.length;
  }

  arm(n: number, onlyIf: TransactionFilter = () => true): void {
    this.remaining += n;
    this.onlyIf = onlyIf;
  }

  /** A COMMIT of `transaction` went to the server: should its reply be dropped? */
  take(transaction: string[]): boolean {
    if (this.remaining === 0 || !this.onlyIf(transaction)) return false;
    this.remaining -= 1;
    return true;
  }

  /** The connection closed before the reply came: the next COMMIT gets the drop. */
  giveBack(): void {
    this.remaining += 1;
  }
}

/** Enough to recognise a transaction; one that runs longer is not the kind a drill targets. */
const MAX_REMEMBERED_QUERIES = 50;

/**
 * One client connection and its connection to the target. Bytes are passed
 * on by hand rather than with pipe() so that the proxy can hold them back
 * (stall) and look at them (COMMIT). Holding back is done by not reading:
 * unread bytes, and a close behind them, wait in the kernel like they would
 * at a frozen server.
 */
class ProxiedConnection {
  private stalled = false;
  /** The transaction whose COMMIT reply is to be dropped, once the reply comes. */
  private awaitingCommitReply: string[] | null = null;
  private readonly clientPackets = new MysqlPacketReader();
  /** Queries since the last BEGIN / COMMIT / ROLLBACK, for `TransactionFilter`s and reports. */
  private transaction: string[] = [];
  /** Sources paused because their destination's write buffer is full. */
  private readonly backpressured = new Set<Socket>();

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly commits: CommitReplyDropper,
    onClosed: () => void,
  ) {
    let open = 2;
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('error', () => this.destroy());
      // A clean close is passed on as a clean close (after the bytes before it); an error as a reset.
      from.on('close', (hadError) => {
        if (hadError) to.destroy();
        else to.end();
        if (--open === 0) {
          if (this.awaitingCommitReply) this.commits.giveBack();
          onClosed();
        }
      });
    }
    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    upstream.on('data', (chunk: Buffer) => this.fromServer(chunk));
  }

  stall(): void {
    this.stalled = true;
    this.updateFlow();
  }

  resume(): void {
    this.stalled = false;
    this.updateFlow();
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  private fromClient(chunk: Buffer): void {
    for (const packet of this.clientPackets.push(chunk)) {
      const sql = queryText(packet);
      if (sql === null) continue;
      if (isCommitQuery(packet)) {
        if (this.commits.take(this.transaction)) this.awaitingCommitReply = this.transaction;
        this.transaction = [];
      } else if (SELF_COMMITTING_CALL.test(sql)) {
        // A whole transaction in one statement (the app's booking procedures): its reply is a COMMIT's reply.
        // The filter sees the whole call (a batch's bookings are in its arguments); the report keeps its start.
        if (this.commits.take([queryText(packet, packet.payload.length) ?? sql])) this.awaitingCommitReply = [sql];
      } else if (/^\s*(BEGIN|START TRANSACTION)\b/i.test(sql)) {
        this.transaction = [sql];
      } else if (/^\s*ROLLBACK\s*;?\s*$/i.test(sql)) {
        this.transaction = [];
      } else if (this.transaction.length < MAX_REMEMBERED_QUERIES) {
        this.transaction.push(sql);
      }
    }
    this.forward(chunk, this.client, this.upstream);
  }

  private fromServer(chunk: Buffer): void {
    // The protocol is request/response: after a COMMIT, the next bytes from the server are its reply.
    if (this.awaitingCommitReply) {
      this.commits.droppedTransactions.push(this.awaitingCommitReply);
      this.awaitingCommitReply = null;
      this.destroy();
      return;
    }
    this.forward(chunk, this.upstream, this.client);
  }

  private forward(chunk: Buffer, from: Socket, to: Socket): void {
    if (to.write(chunk)) return;
    this.backpressured.add(from);
    this.updateFlow();
    to.once('drain', () => {
      this.backpressured.delete(from);
      this.updateFlow();
    });
  }

  private updateFlow(): void {
    for (const socket of [this.client, this.upstream]) {
      if (this.stalled || this.backpressured.has(socket)) socket.pause();
      else socket.resume();
    }
  }
}

/** A TCP pass-through to `target` (MySQL, for the drills) that can cut, stall and drop COMMIT replies. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const connections = new Set<ProxiedConnection>();
  const commits = new CommitReplyDropper();
  let stalled = false;
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const connection = new ProxiedConnection(client, createConnection(targetPort, targetHost), commits, () =>
        connections.delete(connection),
      );
      connections.add(connection);
      if (stalled) connection.stall();
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  };
  const stopListening = async () => {
    if (!server) return;
    const closing = once(server, 'close');
    server.close();
    for (const c of connections) c.destroy();
    await closing;
    server = undefined;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    get droppedCommitReplies() {
      return commits.dropped;
    },
    get droppedTransactions() {
      return commits.droppedTransactions;
    },
    cut: stopListening,
    restore: listen,
    stall() {
      stalled = true;
      for (const c of connections) c.stall();
    },
    resume() {
      stalled = false;
      for (const c of connections) c.resume();
    },
    dropNextCommitReplies: (n, onlyIf) => commits.arm(n, onlyIf),
    close: stopListening,
  };
}
