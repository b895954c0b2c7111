/**
 * Reference (a), `raw`: the limit of this stack on this machine. node:http,
 * one Lua call (the atomic strategy's own script) and the booking insert.
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { seatKeys } from '../../src/domain/inventory/seat-keys';
import { TAKE_SEATS } from '../../src/domain/inventory/inventory-scripts';
import { callInsertBooking, created, listen, mysqlPool, serveBookings } from './reference-server';

type TakeSeats = (
  free: string,
  reserved: string,
  meta: string,
  takeRecord: string,
  n: number,
  reservedUntil: number,
  recordTtlMs: number,
) => Promise<number[]>;

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
redis.defineCommand('seatguardTake', { numberOfKeys: 4, lua: TAKE_SEATS });
const take = (redis as unknown as { seatguardTake: TakeSeats }).seatguardTake.bind(redis);
const db = mysqlPool();
const reservationMs = Number(process.env.RESERVATION_TTL_MS ?? 30000);

listen(
  serveBookings(async (eventId, quantity, customerEmail) => {
    const k = seatKeys(eventId);
    const reservedUntil = Date.now() + reservationMs;
    // The same take record the app writes (KEYS[4]: what lets a lost reply be settled), so raw does the app's Redis work.
    const record = k.take(randomBytes(8).toString('hex'));
    const [status, available, ...seats] = await take(k.free, k.reserved, k.meta, record, quantity, reservedUntil, reservationMs + 5_000);
    if (status === -1) return { status: 503, body: { code: 'INVENTORY_MISSING' } };
    if (status === -2) return { status: 409, body: { code: 'SOLD_OUT', available } };
    const booking = await callInsertBooking(db, eventId, customerEmail, seats, 'raw');
    return created(booking, eventId, seats);
  }),
);
