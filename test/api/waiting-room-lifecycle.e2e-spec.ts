import { admin, createEvent } from '../support/sale';
import { testRedis } from '../support/test-redis';
import { roomAppPerSuite } from '../support/room-app';
import { waitFor } from '../support/purchase-loop';
import { Ticket } from '../../tools/waiting-room/queue-client';
import { QueuedSale } from '../../tools/waiting-room/queued-sale';

const FLOOR = 2;
const GRACE_MS = 2000;

const roomField = async (eventId: number, field: string) => testRedis().hget(`{event:${eventId}}:room`, field);
/** Every key of the event's room (the seat pool's keys are not the room's). */
const roomKeys = (eventId: number) => testRedis().keys(`{event:${eventId}}:room*`);

/**
 * The waiting room over time: how fast it admits (the measured rate of served
 * bookings, with headroom, between a floor and the ceiling) and how its keys
 * leave Redis once it closed (a TTL on every key, refreshed while it is active).
 */
describe('waiting room lifecycle', () => {
  const room = roomAppPerSuite(
    {
      WAITING_ROOM_TICK_MS: '50',
      WAITING_ROOM_ADMIT_RATE: '1000',
      WAITING_ROOM_ADMIT_FLOOR: String(FLOOR),
      WAITING_ROOM_RATE_HEADROOM: '3',
      WAITING_ROOM_ADMISSION_TTL_MS: '60000',
      WAITING_ROOM_KEY_GRACE_MS: String(GRACE_MS),
      BOOKING_RATE_LIMIT: '0',
    },
    { truncate: true },
  );

  it('admission follows the bookings served: the floor while nobody books, above it once buyers are served', async () => {
    const event = await createEvent(room.app.url, { capacity: 200, queue: { mode: 'fifo' } });
    const sale = new QueuedSale({ urls: [room.app.url], eventId: event.id, buyers: 60, walkAwayEvery: 0, pollMs: 100, timeoutMs: 60_000 });
    const joinedFrom = Date.now();
    await sale.joinAll();
    // Nobody books yet: the room admits at the floor (a bucket of one second's worth, then FLOOR a second),
    // although the ceiling would let all 60 in at once. An upper bound: a slow machine only admits fewer.
    await waitFor('the floor admits', async () => Number((await roomField(event.id, 'admittedTotal')) ?? 0) >= 2 * FLOOR);
    const admitted = Number(await roomField(event.id, 'admittedTotal'));
    const elapsedSeconds = (Date.now() - joinedFrom) / 1000;
    expect(admitted).toBeLessThanOrEqual(FLOOR + Math.ceil(FLOOR * elapsedSeconds));
    expect(Number(await roomField(event.id, 'rate'))).toBe(FLOOR);

    // Buyers book as they are admitted: the served rate, times the headroom, lifts the admission rate.
    const running = sale.run();
    await waitFor('the admission rate rises above the floor', async () => Number(await roomField(event.id, 'rate')) > FLOOR, 20_000);
    sale.stop();
    await running;
    expect(Number(await roomField(event.id, 'rate'))).toBeLessThanOrEqual(1000);
  });

  it("a closed room's keys all expire a grace period after it closed; an active room's are refreshed; a lost ticket still gets an answer", async () => {
    // Active throughout: a pre-queue for a sale an hour away.
    const later = await createEvent(room.app.url, {
      capacity: 5,
      queue: { mode: 'fifo' },
      salesStartAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await room.queue.join(later.id, 'early@example.com');
    // Closes: one seat, sold to the first buyer, the second told sold_out.
    const event = await createEvent(room.app.url, { capacity: 1, queue: { mode: 'fifo' } });
    const first = await room.queue.join(event.id, 'first@example.com');
    const second = await room.queue.join(event.id, 'second@example.com');
    let admission: string | undefined;
    await waitFor('the first admitted', async () => {
      admission = (await room.queue.read(first.body.reference, first.body.secret)).body?.admission?.token;
      return admission !== undefined;
    });
    // While the room is active, no key of it is without a time to live.
    for (const id of [later.id, event.id]) {
      const keys = await roomKeys(id);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(await testRedis().pttl(key)).toBeGreaterThan(0);
    }
    expect((await room.queue.use(event.id, 'first@example.com', admission)).status).toBe(201);
    await waitFor(
      'the second told sold out',
      async () => (await room.queue.read(second.body.reference, second.body.secret)).body?.status === 'sold_out',
    );

    await waitFor('every key of the closed room gone', async () => (await roomKeys(event.id)).length === 0, GRACE_MS + 10_000);
    await waitFor('the closed room no longer walked', async () => !(await testRedis().sismember('seatguard:rooms', String(event.id))));
    // The pre-queue has been there longer than the grace period, kept by the admission steps.
    expect(await roomField(later.id, 'seq')).toBe('1');

    // A ticket the room no longer has: a definite answer to its holder (join again), still 404 for anyone else.
    const lost = await room.queue.read(second.body.reference, second.body.secret);
    expect(lost).toMatchObject({ status: 200, body: { status: 'expired' } });
    expect((await room.queue.read(second.body.reference, first.body.secret)).status).toBe(404);
    expect((await room.queue.use(event.id, 'first@example.com', admission)).body).toMatchObject({ code: 'ADMISSION_INVALID' });
    // Joining again re-creates the room, which closes again at once: sold out.
    const again: Ticket = await room.queue.join(event.id, 'second@example.com');
    expect(again.status).toBe(201);
    await waitFor(
      'the new ticket told sold out',
      async () => (await room.queue.read(again.body.reference, again.body.secret)).body?.status === 'sold_out',
    );

    // Once its sale is over, a ticket the room lost reads sold_out.
    const ended = await fetch(`${room.app.url}/api/v1/events/${event.id}`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ salesEndAt: new Date(Date.now() + 200).toISOString() }),
    });
    expect([ended.status, await ended.text()]).toEqual([200, expect.any(String)]);
    let left: string[] = [];
    await waitFor('the re-created room gone too', async () => (left = await roomKeys(event.id)).length === 0, GRACE_MS + 10_000).catch(
      async (error: Error) => {
        const ttl = await Promise.all(
          left.map(
            async (k) =>
              `${k} ${await testRedis().pttl(k)} ${JSON.stringify(
                await testRedis()
                  .hgetall(k)
                  .catch(() => null),
              )}`,
          ),
        );
        throw new Error(`${error.message}: ${ttl.join('; ')}`);
      },
    );
    expect((await room.queue.read(again.body.reference, again.body.secret)).body).toMatchObject({ status: 'sold_out' });
  });
});
