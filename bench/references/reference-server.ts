/**
 * Plumbing shared by the two reference servers: bare node:http, one route
 * (POST /api/v1/events/:id/bookings) and a readiness probe. No framework, no
 * validation beyond what a JSON.parse gives: they are yardsticks, not products.
 */
import { newReference, secretFor } from '../../src/domain/bookings/booking-credentials';
import { sha256Hex } from '../../src/shared/credentials';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createPool, Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type BookingHandler = (eventId: number, quantity: number, customerEmail: string) => Promise<Answer>;

const ROUTE = /^\/api\/v1\/events\/(\d+)\/bookings$/;

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

export function serveBookings(handle: BookingHandler): Server {
  // The handler never rejects (every failure becomes a 500 answer), so the listener's promise can be dropped.
  return createServer((req, res) => void answerRequest(handle, req, res));
}

async function answerRequest(handle: BookingHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let answer: Answer;
  const match = req.method === 'POST' ? ROUTE.exec(req.url ?? '') : null;
  try {
    if (req.url === '/health/ready') answer = { status: 200, body: { status: 'ok' } };
    else if (!match) answer = { status: 404, body: { code: 'NOT_FOUND' } };
    else {
      const { quantity, customerEmail } = JSON.parse(await readBody(req)) as { quantity: number; customerEmail: string };
      answer = await handle(Number(match[1]), quantity, customerEmail);
    }
  } catch (error) {
    answer = { status: 500, body: { code: 'INTERNAL', message: (error as Error).message } };
  }
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...answer.headers });
  res.end(payload);
}

/** A mysql2 pool on the environment's DB_* settings (the bench passes its own environment). */
export function mysqlPool(env: NodeJS.ProcessEnv = process.env, connectionLimit = Number(env.DB_POOL_SIZE ?? 20)): Pool {
  return createPool({
    host: env.DB_HOST ?? '127.0.0.1',
    port: Number(env.DB_PORT ?? 3306),
    user: env.DB_USER,
    password: env.DB_PASSWORD,
    database: env.DB_NAME,
    // By default the app's pool size, so a comparison is about the code.
    connectionLimit,
  });
}

/** One transaction on its own connection: committed when `work` returns, rolled back when it throws. */
export async function inTransaction<T>(db: Pool, work: (connection: PoolConnection) => Promise<T>, isolation?: 'SERIALIZABLE'): Promise<T> {
  const connection = await db.getConnection();
  try {
    if (isolation) await connection.query(`SET TRANSACTION ISOLATION LEVEL ${isolation}`);
    await connection.beginTransaction();
    const result = await work(connection);
    await connection.commit();
    return result;
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}

export interface StoredBooking {
  reference: string;
  secret: string;
}

/** A new booking's reference and secret, made by the app's own helpers, and what is stored of the secret. */
function newBooking(): { booking: StoredBooking; secretHash: string; createdAt: Date } {
  const reference = newReference();
  const secret = secretFor(reference, null);
  return { booking: { reference, secret }, secretHash: sha256Hex(secret), createdAt: new Date() };
}

/**
 * The same rows the app writes for a booking (reference, hashed secret), so
 * one invariant check reads both, statement by statement inside the caller's
 * transaction (lock-or-429 reads under its lock first).
 */
export async function insertBooking(
  connection: PoolConnection,
  eventId: number,
  customerEmail: string,
  seats: number[],
  strategy: string,
): Promise<StoredBooking> {
  const { booking, secretHash, createdAt } = newBooking();
  const [inserted] = await connection.query<ResultSetHeader>(
    `INSERT INTO bookings (reference, secret_hash, event_id, customer_email, quantity, status, strategy, seats, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'confirmed', ?, ?, ?, ?)`,
    [booking.reference, secretHash, eventId, customerEmail, seats.length, strategy, JSON.stringify(seats), createdAt, createdAt],
  );
  await connection.query('INSERT INTO tickets (event_id, seat_no, booking_id) VALUES ?', [
    seats.map((seat) => [eventId, seat, inserted.insertId]),
  ]);
  return booking;
}

/** The same rows in one round trip, the app's own way (the `insert_booking` procedure): the yardstick pays what the app pays. */
export async function callInsertBooking(
  db: Pool,
  eventId: number,
  customerEmail: string,
  seats: number[],
  strategy: string,
): Promise<StoredBooking> {
  const { booking, secretHash, createdAt } = newBooking();
  // (reference, secret_hash, event_id, email, quantity, status, expires_at, strategy, seats, key_hash, request_hash, created_at)
  await db.query('CALL insert_booking(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    booking.reference,
    secretHash,
    eventId,
    customerEmail,
    seats.length,
    'confirmed',
    null,
    strategy,
    JSON.stringify(seats),
    null,
    null,
    createdAt,
  ]);
  return booking;
}

export function created(booking: StoredBooking, eventId: number, seats: number[]): Answer {
  return { status: 201, body: { ...booking, eventId, quantity: seats.length, seats, status: 'confirmed' } };
}

export function listen(server: Server): void {
  server.listen(Number(process.env.PORT), '127.0.0.1');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
