/**
 * Reference (a), `raw`: the limit of this stack on this machine. node:http,
 * one Lua call (the atomic strategy's own script) and the booking insert.
 */
import Redis from 'ioredis';
import { seatKeys } from '../../src/domain/inventory/seat-keys';
import { INVENTORY_SCRIPTS, InventoryCommands, newTakeRecord } from '../../src/domain/inventory/seat-pool';
import { defineLuaCommands } from '../../src/platform/redis/lua-commands';
import { callInsertBooking, created, listen, mysqlPool, serveBookings } from './reference-server';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
// The app's own registration of the take script: its keys are counted in one place.
defineLuaCommands<'seatguardTake'>(redis, { seatguardTake: INVENTORY_SCRIPTS.seatguardTake });
const take = (redis as unknown as Pick<InventoryCommands, 'seatguardTake'>).seatguardTake.bind(redis);
const db = mysqlPool();
const reservationMs = Number(process.env.RESERVATION_TTL_MS ?? 30000);

listen(
  serveBookings(async (eventId, quantity, customerEmail) => {
    const k = seatKeys(eventId);
    const reservedUntil = Date.now() + reservationMs;
    // The same take record the app writes (what lets a lost reply be settled), so raw does the app's Redis work.
    const record = newTakeRecord(eventId, reservedUntil);
    const [status, available, ...seats] = await take(k.free, k.reserved, k.meta, record.key, quantity, reservedUntil, record.ttlMs);
    if (status === -1) return { status: 503, body: { code: 'INVENTORY_MISSING' } };
    if (status === -2) return { status: 409, body: { code: 'SOLD_OUT', available } };
    const booking = await callInsertBooking(db, eventId, customerEmail, seats, 'raw');
    return created(booking, eventId, seats);
  }),
);
