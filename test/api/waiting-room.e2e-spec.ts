import { admin, createEvent } from '../support/sale';
import { rows } from '../support/test-db';
import { testRedis } from '../support/test-redis';
import { roomAppPerSuite } from '../support/room-app';
import { waitFor } from '../support/purchase-loop';
import { Ticket, TicketStatus } from '../../tools/waiting-room/queue-client';
import { roomTickets } from '../../tools/waiting-room/queued-sale';

/** Admitted and not yet used, straight from the room's Redis state. */
const unserved = (eventId: number) => testRedis().zcard(`{event:${eventId}}:room:admitted`);

/**
 * The waiting room (issue 20, docs/design.md §6) seen by buyers over HTTP: the edge
 * refuses bookings without an admission, tickets, the pre-queue and its
 * opening, admission by stock, single use, expiry, sold out and reopening.
 */
describe('waiting room', () => {
  const room = roomAppPerSuite(
    {
      WAITING_ROOM_TICK_MS: '50',
      WAITING_ROOM_ADMIT_RATE: '1000',
      // The rate is not what these cases look at (waiting-room-lifecycle does): admit at the ceiling from the start.
      WAITING_ROOM_ADMIT_FLOOR: '1000',
      WAITING_ROOM_ADMISSION_TTL_MS: '60000',
      BOOKING_RATE_LIMIT: '0',
      SWEEP_INTERVAL_MS: '100',
    },
    { truncate: true },
  );

  const readUntil = async (t: Ticket, wanted: string, timeoutMs = 10_000): Promise<TicketStatus> => {
    let last: TicketStatus | undefined;
    await waitFor(
      `ticket ${t.body.reference} ${wanted}`,
      async () => {
        last = (await room.queue.read(t.body.reference, t.body.secret)).body;
        return last?.status === wanted;
      },
      timeoutMs,
    );
    return last!;
  };

  it('a room is set on create and PATCH; with it on, bookings and holds without an admission are 409 QUEUE_REQUIRED saying where to queue', async () => {
    const event = await createEvent(room.app.url, { capacity: 3, queue: { mode: 'fifo' } });
    expect(event).toMatchObject({ queue: { mode: 'fifo' } });
    for (const what of ['bookings', 'holds'] as const) {
      const refused = await room.queue.use(event.id, 'ada@example.com', undefined, what);
      expect(refused).toMatchObject({
        status: 409,
        body: { code: 'QUEUE_REQUIRED', queue: `/api/v1/events/${event.id}/queue` },
      });
    }
    const forged = await room.queue.use(event.id, 'ada@example.com', 'wr1.1.q_1_x.n.99999999999999.bad');
    expect(forged).toMatchObject({ status: 409, body: { code: 'ADMISSION_INVALID' } });
    expect((await rows('SELECT id FROM bookings WHERE event_id = ?', [event.id])).length).toBe(0);

    const off = await fetch(`${room.app.url}/api/v1/events/${event.id}`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ queue: { mode: 'off' } }),
    });
    expect(await off.json()).toMatchObject({ queue: { mode: 'off' } });
    await waitFor('the edge sees the room off', async () => (await room.queue.use(event.id, 'bob@example.com', undefined)).status === 201);
    expect((await room.queue.join(event.id, 'bob@example.com')).body.code).toBe('QUEUE_OFF');

    const bad = await fetch(`${room.app.url}/api/v1/events/${event.id}`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ queue: { mode: 'random' } }),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('queue.mode must be one of');
  });

  it('a ticket: secret shown once, one live ticket per customer, 404 without the secret, 304 while nothing changed', async () => {
    const opensAt = new Date(Date.now() + 60_000).toISOString();
    const event = await createEvent(room.app.url, { capacity: 3, queue: { mode: 'fifo' }, salesStartAt: opensAt });
    const first = await room.queue.join(event.id, 'ada@example.com');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'waiting', position: 1, page: expect.stringContaining(first.body.reference) });
    expect(first.body.secret).toEqual(expect.any(String));
    const again = await room.queue.join(event.id, 'ada@example.com');
    expect(again).toMatchObject({ status: 409, body: { code: 'ALREADY_QUEUED', reference: first.body.reference } });
    const second = await room.queue.join(event.id, 'bob@example.com');
    expect(second.body.position).toBe(2);

    expect((await room.queue.read(first.body.reference, 'wrong')).status).toBe(404);
    expect((await room.queue.read('q_999_AAAAAAAAAAAAAAAAAAAAAA', first.body.secret)).status).toBe(404);
    const read = await room.queue.read(first.body.reference, first.body.secret);
    expect(read).toMatchObject({ status: 200, body: { status: 'waiting', position: 1 } });
    expect(read.body).not.toHaveProperty('secret');
    const unchanged = await room.queue.read(first.body.reference, first.body.secret, read.etag!);
    expect(unchanged.status).toBe(304);
    // Before the opening nobody is admitted.
    expect(await unserved(event.id)).toBe(0);
  });

  it('fifo: the pre-queue is admitted at the opening in join order, never more admitted-and-unserved than the stock', async () => {
    const event = await createEvent(room.app.url, {
      capacity: 4,
      queue: { mode: 'fifo' },
      salesStartAt: new Date(Date.now() + 1500).toISOString(),
    });
    const tickets: Ticket[] = [];
    for (let i = 0; i < 10; i++) tickets.push(await room.queue.join(event.id, `fifo${i}@example.com`));
    expect(tickets.map((t) => t.body.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    const first = await readUntil(tickets[0], 'admitted');
    // Stock 4, factor 1: the first four in, the fifth still waiting, first in line.
    await waitFor('four admitted', async () => (await unserved(event.id)) === 4);
    const statuses = await Promise.all(tickets.map((t) => room.queue.read(t.body.reference, t.body.secret)));
    expect(statuses.map((s) => s.body!.status)).toEqual(['admitted', 'admitted', 'admitted', 'admitted', ...Array(6).fill('waiting')]);
    expect(statuses[4].body!.position).toBe(1);

    // Single use, bound to the customer.
    expect(await room.queue.use(event.id, 'someone@example.com', first.admission!.token)).toMatchObject({
      status: 409,
      body: { code: 'ADMISSION_INVALID' },
    });
    expect((await room.queue.use(event.id, 'fifo0@example.com', first.admission!.token)).status).toBe(201);
    expect(await room.queue.use(event.id, 'fifo0@example.com', first.admission!.token)).toMatchObject({
      status: 409,
      body: { code: 'ADMISSION_INVALID', reason: 'used' },
    });
    // One seat sold: stock 3, three unserved: nobody new yet.
    expect(await unserved(event.id)).toBe(3);
    expect((await room.queue.read(tickets[0].body.reference, tickets[0].body.secret)).body!.admission!.usable).toBe(false);
  });

  it('lottery: the pre-queue is admitted in one draw at the opening (each once), later arrivals after all of it', async () => {
    const event = await createEvent(room.app.url, {
      capacity: 100,
      queue: { mode: 'lottery' },
      salesStartAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const pre: Ticket[] = [];
    for (let i = 0; i < 12; i++) pre.push(await room.queue.join(event.id, `lot${i}@example.com`));
    // Before the draw nobody has a place to show.
    expect((await room.queue.read(pre[0].body.reference, pre[0].body.secret)).body).toMatchObject({ status: 'waiting', position: null });
    await fetch(`${room.app.url}/api/v1/events/${event.id}`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ salesStartAt: new Date().toISOString() }),
    });
    await readUntil(pre[0], 'admitted');
    const late = await room.queue.join(event.id, 'late@example.com');
    await readUntil(late, 'admitted');
    const tickets = await roomTickets(testRedis(), event.id);
    const order = tickets.filter((t) => t.o !== undefined).sort((a, b) => a.o! - b.o!);
    expect(
      order
        .map((t) => t.q)
        .slice(0, 12)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(order[12].reference).toBe(late.body.reference);
    process.stdout.write(
      `[lottery] opening order of the pre-queue (join numbers): ${order
        .slice(0, 12)
        .map((t) => t.q)
        .join(' ')}\n`,
    );
  });

  it('sold out reaches every waiting ticket within a second of the last seat; a cancelled seat reopens the room in order', async () => {
    const event = await createEvent(room.app.url, { capacity: 2, queue: { mode: 'fifo' } });
    const tickets: Ticket[] = [];
    for (let i = 0; i < 6; i++) tickets.push(await room.queue.join(event.id, `so${i}@example.com`));
    const a = await readUntil(tickets[0], 'admitted');
    const b = await readUntil(tickets[1], 'admitted');
    expect((await room.queue.use(event.id, 'so0@example.com', a.admission!.token)).status).toBe(201);
    const last = await room.queue.use(event.id, 'so1@example.com', b.admission!.token);
    expect(last.status).toBe(201);
    const lastSeatAt = Date.now();
    const seen = await Promise.all(
      tickets.slice(2).map(async (t) => {
        await readUntil(t, 'sold_out', 5000);
        return Date.now() - lastSeatAt;
      }),
    );
    expect(Math.max(...seen)).toBeLessThan(1000);

    // A cancellation returns a seat: the first waiting ticket (so2) is admitted, nobody else.
    const cancel = await fetch(`${room.app.url}/api/v1/bookings/${String(last.body.reference)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${String(last.body.secret)}` },
    });
    expect(cancel.status).toBe(200);
    await readUntil(tickets[2], 'admitted');
    expect((await room.queue.read(tickets[3].body.reference, tickets[3].body.secret)).body).toMatchObject({
      status: 'waiting',
      position: 1,
    });
  });
});

describe('waiting room: admissions lapse', () => {
  const room = roomAppPerSuite({ WAITING_ROOM_TICK_MS: '50', WAITING_ROOM_ADMISSION_TTL_MS: '1000', BOOKING_RATE_LIMIT: '0' });

  it('an admission unused in time is lost (expired, refused at the booking) and the next buyer is admitted', async () => {
    const event = await createEvent(room.app.url, { capacity: 1, queue: { mode: 'fifo' } });
    const slow = await room.queue.join(event.id, 'slow@example.com');
    const next = await room.queue.join(event.id, 'next@example.com');
    let admitted: TicketStatus | undefined;
    await waitFor(
      'slow admitted',
      async () => (admitted = (await room.queue.read(slow.body.reference, slow.body.secret)).body)?.status === 'admitted',
    );
    await waitFor('slow expired', async () => (await room.queue.read(slow.body.reference, slow.body.secret)).body?.status === 'expired');
    expect(await room.queue.use(event.id, 'slow@example.com', admitted!.admission!.token)).toMatchObject({
      status: 409,
      body: { code: 'ADMISSION_INVALID', reason: 'expired' },
    });
    await waitFor('next admitted', async () => (await room.queue.read(next.body.reference, next.body.secret)).body?.status === 'admitted');
  });
});
