import { admin, createEvent } from '../support/sale';
import { closeTestDb } from '../support/test-db';
import { closeTestRedis, flushTestRedis, testRedis } from '../support/test-redis';
import { roomAppPerSuite } from '../support/room-app';
import { waitFor } from '../support/wait-for';
import { metricsScraper } from '../support/metrics-scraper';
import { QueueClient, Ticket } from '../../tools/waiting-room/queue-client';
import { TicketStream } from '../../tools/waiting-room/ticket-stream';
import { RoomSighting, TicketStreams } from '../../src/domain/waiting-room/ticket-streams';
import { startChildApp } from '../support/child-app';

/** What every case here runs on (the file runs on both HTTP adapters in `npm run test:all`). */
const ROOM_ENV = {
  WAITING_ROOM_TICK_MS: '50',
  // 50 a second: place 200 expects a 4 s wait, so its own pace reads it every 2 s (the control below relies on it).
  WAITING_ROOM_ADMIT_RATE: '50',
  WAITING_ROOM_ADMIT_FLOOR: '50',
  WAITING_ROOM_ADMISSION_TTL_MS: '60000',
  WAITING_ROOM_STREAM_HEARTBEAT_MS: '200',
  BOOKING_RATE_LIMIT: '0',
};

const openAt = (url: string, t: Ticket) => TicketStream.open(url, t.body.reference, t.body.secret);

/** `count` tickets, one after another: their places are their join order. */
async function joinAll(queue: QueueClient, eventId: number, count: number, prefix: string): Promise<Ticket[]> {
  const tickets: Ticket[] = [];
  for (let i = 0; i < count; i++) tickets.push(await queue.join(eventId, `${prefix}${i}@example.com`));
  return tickets;
}

async function openSale(url: string, eventId: number): Promise<void> {
  const res = await fetch(`${url}/api/v1/events/${eventId}`, {
    method: 'PATCH',
    headers: admin,
    body: JSON.stringify({ salesStartAt: new Date().toISOString() }),
  });
  expect(res.status).toBe(200);
}

/**
 * The last seat, then the sold_out notice on a stream far back in the line (place 200: its own pace would
 * read it again 2 s after it opened, revisit-cadence.ts). The stream opens right before the last booking:
 * only the push can bring sold_out within the second. Returns ms from the 201 of the last seat to the notice.
 */
async function soldOutNoticeDelay(
  url: string,
  queue: QueueClient,
  prefix: string,
): Promise<{ delayMs: number; stream: TicketStream; ticket: Ticket }> {
  const event = await createEvent(url, {
    capacity: 2,
    queue: { mode: 'fifo' },
    salesStartAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
  const tickets = await joinAll(queue, event.id, 202, prefix);
  await openSale(url, event.id);
  const [a, b] = [tickets[0], tickets[1]];
  const admitted = await Promise.all(
    [a, b].map(async (t) => {
      let token: string | undefined;
      await waitFor('admitted', async () => !!(token = (await queue.read(t.body.reference, t.body.secret)).body?.admission?.token));
      return token!;
    }),
  );
  expect((await queue.use(event.id, `${prefix}0@example.com`, admitted[0])).status).toBe(201);
  const stream = await openAt(url, tickets[201]);
  expect((await stream.next((e) => e.data.status === 'waiting')).data.position).toBe(200);
  const last = await queue.use(event.id, `${prefix}1@example.com`, admitted[1]);
  expect(last.status).toBe(201);
  const lastSeatAt = Date.now();
  const notice = await stream.next((e) => e.data.status === 'sold_out', 15_000);
  return { delayMs: notice.receivedAt - lastSeatAt, stream, ticket: tickets[201] };
}

/**
 * The ticket stream (GET /queue/:reference/events; docs/design.md §6.1): the
 * status at once, each change, sold_out pushed within a second of the last seat,
 * the end after a final status, heartbeats, and the same 404 as the status route.
 */
describe('waiting room: ticket event streams', () => {
  const room = roomAppPerSuite(ROOM_ENV, { truncate: true });

  it('sends the status at once (the JSON GET /queue/:reference answers), as text/event-stream; 404 like the status route', async () => {
    const event = await createEvent(room.app.url, {
      capacity: 3,
      queue: { mode: 'fifo' },
      salesStartAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const [first, second] = await joinAll(room.queue, event.id, 2, 'first');
    const stream = await openAt(room.app.url, second);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('x-request-id')).toEqual(expect.any(String));
    const opening = await stream.next(() => true);
    const polled = await room.queue.read(second.body.reference, second.body.secret);
    expect(opening.data).toEqual(polled.body);
    expect(opening.data).toMatchObject({ status: 'waiting', position: 2, pollAfterMs: 1000 });
    // Heartbeats keep idle proxies from cutting it (WAITING_ROOM_STREAM_HEARTBEAT_MS=200 here).
    await waitFor('two keep-alive comments', () => stream.keepAlives >= 2, 3000);
    await stream.close();

    for (const [reference, secret] of [
      [first.body.reference, 'wrong'],
      [first.body.reference, second.body.secret],
      ['q_999_AAAAAAAAAAAAAAAAAAAAAA', first.body.secret],
      ['not-a-reference', first.body.secret],
    ]) {
      const refused = await TicketStream.open(room.app.url, reference, secret);
      const status = await room.queue.read(reference, secret);
      expect([refused.status, refused.errorBody?.code]).toEqual([404, 'QUEUE_TICKET_NOT_FOUND']);
      expect([status.status, (status.body as unknown as { code: string }).code]).toEqual([404, 'QUEUE_TICKET_NOT_FOUND']);
    }
    const noHeader = await fetch(`${room.app.url}/api/v1/queue/${first.body.reference}/events`);
    expect(noHeader.status).toBe(404);
  });

  it('an event when the place changes and when the admission comes; the stream ends once the admission is used', async () => {
    const event = await createEvent(room.app.url, {
      capacity: 3,
      queue: { mode: 'fifo' },
      salesStartAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const tickets = await joinAll(room.queue, event.id, 5, 'move');
    const front = await openAt(room.app.url, tickets[2]);
    const back = await openAt(room.app.url, tickets[4]);
    expect((await front.next(() => true)).data).toMatchObject({ status: 'waiting', position: 3 });
    expect((await back.next(() => true)).data).toMatchObject({ status: 'waiting', position: 5 });

    await openSale(room.app.url, event.id);
    // Three seats: the first three admitted at the opening; the fifth moves up to place 2.
    const admitted = await front.next((e) => e.data.status === 'admitted');
    expect(admitted.data.admission).toMatchObject({ usable: true, book: `/api/v1/events/${event.id}/bookings` });
    expect((await back.next((e) => e.data.position === 2)).data).toMatchObject({ status: 'waiting', opensAt: null });

    expect((await room.queue.use(event.id, 'move2@example.com', admitted.data.admission!.token)).status).toBe(201);
    const used = await front.next((e) => e.data.status === 'admitted' && e.data.admission?.usable === false);
    await front.done;
    expect(front.endedAt).toBeGreaterThanOrEqual(used.receivedAt);
    expect(front.failure).toBeUndefined();
    await back.close();
  });

  it('sold_out is pushed to a waiting stream within a second of the last seat (far back, read again only every 2 s), and the stream ends', async () => {
    const { delayMs, stream, ticket } = await soldOutNoticeDelay(room.app.url, room.queue, 'push');
    process.stdout.write(`[ticket streams] sold_out reached place 200 ${delayMs} ms after the last seat\n`);
    expect(delayMs).toBeLessThan(1000);
    await stream.done;
    expect(stream.endedAt).toBeDefined();
    expect(stream.last!.data).toMatchObject({ status: 'sold_out', position: null });
    // Polled, the same ticket reads sold_out, paced by its place (200: every 2 s), as returned seats may reopen the room.
    const polled = await room.queue.read(ticket.body.reference, ticket.body.secret);
    expect(polled.body).toMatchObject({ status: 'sold_out', pollAfterMs: 2000 });
  });

  it('counts the streams open on this instance (seatguard_queue_streams_open)', async () => {
    const event = await createEvent(room.app.url, {
      capacity: 1,
      queue: { mode: 'fifo' },
      salesStartAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const tickets = await joinAll(room.queue, event.id, 3, 'gauge');
    const streams = await Promise.all(tickets.map((t) => openAt(room.app.url, t)));
    await Promise.all(streams.map((s) => s.next(() => true)));
    const open = async () =>
      /^seatguard_queue_streams_open (\d+)$/m.exec(await (await fetch(`${room.app.url}/metrics`, { headers: metricsScraper })).text())?.[1];
    expect(await open()).toBe('3');
    await Promise.all(streams.map((s) => s.close()));
    await waitFor('the closed streams leave the registry', async () => (await open()) === '0', 3000);
  });
});

/**
 * The control: the same sell-out with the room's close not pushed to the streams (only their own pace
 * reads it): the stream far back learns sold_out later than a second, so the check above can fail.
 */
describe('waiting room: ticket event streams, control without the push', () => {
  let spy: jest.SpyInstance;

  beforeAll(() => {
    // The room is still sighted (admissions, the opening), only never as closed.
    const { sighted } = TicketStreams.prototype as { sighted: (this: TicketStreams, id: number, sighting: RoomSighting) => void };
    spy = jest.spyOn(TicketStreams.prototype, 'sighted').mockImplementation(function (
      this: TicketStreams,
      id: number,
      sighting: RoomSighting,
    ) {
      sighted.call(this, id, { ...sighting, closed: false });
    });
  });
  afterAll(() => {
    spy.mockRestore();
  });
  const room = roomAppPerSuite(ROOM_ENV);

  it('without the push, sold_out reaches the stream far back more than a second after the last seat', async () => {
    const { delayMs } = await soldOutNoticeDelay(room.app.url, room.queue, 'nopush');
    process.stdout.write(`[ticket streams, control] without the push, sold_out reached place 200 ${delayMs} ms after the last seat\n`);
    expect(delayMs).toBeGreaterThan(1000);
  });
});

/**
 * Redis stops answering (CLIENT PAUSE, longer than REDIS_COMMAND_TIMEOUT_MS): an open stream gets one `error`
 * event with the 503 body the status route would answer, then its end; a stream asked for meanwhile is a plain
 * 503 with Retry-After before it starts. Never a 500.
 */
describe('waiting room: ticket event streams while Redis does not answer', () => {
  const room = roomAppPerSuite({ ...ROOM_ENV, REDIS_COMMAND_TIMEOUT_MS: '200' });

  it('an open stream: one error event (503 REDIS_UNAVAILABLE, retryAfterSeconds), then the end; a new one: 503 before it starts', async () => {
    const event = await createEvent(room.app.url, {
      capacity: 1,
      queue: { mode: 'fifo' },
      salesStartAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const [front] = await joinAll(room.queue, event.id, 1, 'paused');
    const stream = await openAt(room.app.url, front);
    await stream.next(() => true);
    // Place 1 is read again every second: the next read meets the pause.
    await testRedis().call('CLIENT', 'PAUSE', '3000', 'ALL');
    const refused = await openAt(room.app.url, front);
    const failure = await stream.next((e) => e.type === 'error', 5000);
    await stream.done;
    expect(failure.data).toMatchObject({ statusCode: 503, code: 'REDIS_UNAVAILABLE', retryAfterSeconds: expect.any(Number) });
    expect(stream.endedAt).toBeDefined();
    expect([refused.status, refused.errorBody?.code, refused.headers.get('retry-after')]).toEqual([
      503,
      'REDIS_UNAVAILABLE',
      expect.any(String),
    ]);
    await testRedis().call('CLIENT', 'UNPAUSE');
  });
});

/**
 * SIGTERM (src/platform/shutdown/graceful-shutdown.ts): the instance ends its open streams as it closes, so
 * it stops within a second or two instead of waiting SHUTDOWN_GRACE_MS for clients that never hang up.
 * Without that, closing the server waits for the stream and the grace period's timer exits 1 (the check fails).
 */
describe('waiting room: ticket event streams at shutdown (production build)', () => {
  afterAll(async () => {
    await closeTestDb();
    await closeTestRedis();
  });

  it('SIGTERM ends every open stream at once and the instance exits 0, long before SHUTDOWN_GRACE_MS', async () => {
    await flushTestRedis();
    const child = await startChildApp({ ...ROOM_ENV, SHUTDOWN_GRACE_MS: '20000' });
    try {
      const queue = new QueueClient(child.url);
      const event = await createEvent(child.url, {
        capacity: 1,
        queue: { mode: 'fifo' },
        salesStartAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
      const tickets = await joinAll(queue, event.id, 3, 'stop');
      const streams = await Promise.all(tickets.map((t) => openAt(child.url, t)));
      await Promise.all(streams.map((s) => s.next(() => true)));
      const signalledAt = Date.now();
      const code = await child.stop('SIGTERM');
      const stoppedAfter = Date.now() - signalledAt;
      await Promise.all(streams.map((s) => s.done));
      const endedAfter = Math.max(...streams.map((s) => (s.endedAt ?? Infinity) - signalledAt));
      process.stdout.write(`[ticket streams] SIGTERM: 3 streams ended after ${endedAfter} ms, exit ${code} after ${stoppedAfter} ms\n`);
      expect(streams.map((s) => s.failure)).toEqual([undefined, undefined, undefined]);
      expect(code).toBe(0);
      expect(stoppedAfter).toBeLessThan(5000);
      expect(endedAfter).toBeLessThan(5000);
    } finally {
      await child.stop('SIGKILL');
    }
  });
});
