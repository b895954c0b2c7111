/**
 * Reference (b), `lock-or-429`: the classic design this service replaces.
 * One Redis lock per event taken with SET NX EX; whoever finds it taken is
 * told 429 "busy, try again"; the holder runs a SERIALIZABLE transaction that
 * locks the event row and counts what is sold.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RowDataPacket } from 'mysql2/promise';
import { mysqlRolledBack } from '../../src/shared/errors/driver-errors';
import { created, inTransaction, insertBooking, listen, mysqlPool, serveBookings } from './reference-server';

const RELEASE_IF_OWNER = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const db = mysqlPool();

listen(
  serveBookings(async (eventId, quantity, customerEmail) => {
    const lock = `lock-or-429:event:${eventId}`;
    const token = randomUUID();
    if ((await redis.set(lock, token, 'EX', 5, 'NX')) === null) {
      return { status: 429, body: { code: 'BUSY', message: 'busy, try again' }, headers: { 'retry-after': '1' } };
    }
    try {
      return await inTransaction(
        db,
        async (connection) => {
          const [[event]] = await connection.query<RowDataPacket[]>('SELECT capacity FROM events WHERE id = ? FOR UPDATE', [eventId]);
          const [[sold]] = await connection.query<RowDataPacket[]>(
            'SELECT COALESCE(MAX(seat_no), 0) AS last FROM tickets WHERE event_id = ? FOR UPDATE',
            [eventId],
          );
          const capacity = Number(event.capacity);
          const last = Number(sold.last);
          if (last + quantity > capacity) return { status: 409, body: { code: 'SOLD_OUT', available: capacity - last } };
          const seats = Array.from({ length: quantity }, (_, i) => last + 1 + i);
          const booking = await insertBooking(connection, eventId, customerEmail, seats, 'lock-or-429');
          return created(booking, eventId, seats);
        },
        'SERIALIZABLE',
      );
    } catch (error) {
      // The SERIALIZABLE count takes next-key locks on tickets, so two events' transactions can deadlock at the
      // edge of their ranges (spread, scale): a classic service says "try again" (503), not 500.
      if (!mysqlRolledBack(error)) throw error;
      return { status: 503, body: { code: 'TRY_AGAIN', message: (error as Error).message }, headers: { 'retry-after': '1' } };
    } finally {
      await redis.eval(RELEASE_IF_OWNER, 1, lock, token);
    }
  }),
);
