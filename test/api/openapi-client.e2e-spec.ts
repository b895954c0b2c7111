// The README's "Try it" flow through a client generated from openapi.json (openapi-typescript types,
// openapi-fetch calls) against the real app: if the document lies about a path, a field, a status or a
// header, this either fails to type-check (npm run typecheck) or fails here.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import createClient from 'openapi-fetch';
import type { components, paths } from '../client/seatguard';
import { testEnvironment } from '../setup/test-settings';
import { RunningApp, startApp } from '../support/test-app';

type ErrorCode = components['schemas']['ErrorCode'];

describe('a client generated from openapi.json', () => {
  let app: RunningApp;
  let api: ReturnType<typeof createClient<paths>>;
  const admin = { authorization: `Bearer ${testEnvironment().ADMIN_TOKEN}` };

  beforeAll(async () => {
    app = await startApp();
    api = createClient<paths>({ baseUrl: app.url });
  });
  afterAll(async () => {
    await app.close();
  });

  it('was generated from the document the running app serves at /docs-json', async () => {
    const served = await (await fetch(`${app.url}/docs-json`)).json();
    expect(served).toEqual(JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')));
  });

  it("runs the README's Try it flow", async () => {
    const created = await api.POST('/api/v1/events', {
      headers: admin,
      body: { name: 'Tiny gig', startsAt: '2027-06-01T20:00:00Z', capacity: 3, strategy: 'pessimistic' },
    });
    expect(created.response.status).toBe(201);
    const event = created.data!;
    expect(event).toMatchObject({ capacity: 3, sold: 0, available: 3, strategy: 'pessimistic' });
    const id = event.id;

    const key = randomUUID();
    const booked = await api.POST('/api/v1/events/{id}/bookings', {
      params: { path: { id }, header: { 'Idempotency-Key': key } },
      body: { customerEmail: 'ada@example.com', quantity: 2 },
    });
    expect(booked.response.status).toBe(201);
    const { reference, secret } = booked.data!;
    expect(booked.data).toMatchObject({ eventId: id, quantity: 2, seats: [1, 2], status: 'confirmed' });
    expect(secret).toEqual(expect.any(String));

    const replay = await api.POST('/api/v1/events/{id}/bookings', {
      params: { path: { id }, header: { 'Idempotency-Key': key } },
      body: { customerEmail: 'ada@example.com', quantity: 2 },
    });
    expect(replay.data).toMatchObject({ reference, secret });

    const soldOut = await api.POST('/api/v1/events/{id}/bookings', {
      params: { path: { id } },
      body: { customerEmail: 'bob@example.com', quantity: 2 },
    });
    expect(soldOut.response.status).toBe(409);
    const code: ErrorCode | undefined = soldOut.error?.code;
    expect(code).toBe('SOLD_OUT' satisfies ErrorCode);
    expect(soldOut.error).toMatchObject({ available: 1, requested: 2 });

    const last = await api.POST('/api/v1/events/{id}/bookings', {
      params: { path: { id } },
      body: { customerEmail: 'bob@example.com', quantity: 1 },
    });
    expect(last.data?.seats).toEqual([3]);

    const switched = await api.PUT('/api/v1/events/{id}/strategy', {
      params: { path: { id } },
      headers: admin,
      body: { strategy: 'atomic' },
    });
    expect(switched.data?.strategy).toBe('atomic');

    const anonymous = await api.GET('/api/v1/bookings/{reference}', { params: { path: { reference } } });
    expect(anonymous.response.status).toBe(404);
    expect(anonymous.error?.code).toBe('BOOKING_NOT_FOUND');

    const mine = await api.GET('/api/v1/bookings/{reference}', {
      params: { path: { reference } },
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(mine.data).toMatchObject({ reference, customerEmail: 'ada@example.com', seats: [1, 2] });
    expect(mine.data).not.toHaveProperty('secret');

    const cancelled = await api.DELETE('/api/v1/bookings/{reference}', {
      params: { path: { reference } },
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(cancelled.data?.status).toBe('cancelled');

    const after = await api.GET('/api/v1/events/{id}', { params: { path: { id } } });
    expect(after.data).toMatchObject({ sold: 1, available: 2 });

    const adminView = await api.GET('/api/v1/events/{id}/bookings', {
      params: { path: { id }, query: { status: 'cancelled', email: 'ada' } },
      headers: admin,
    });
    expect(adminView.data?.items.map((b) => b.reference)).toEqual([reference]);
    expect(adminView.data?.nextCursor).toBeNull();
  });

  it('is typed by the document: a wrong field name or enum value does not compile', async () => {
    // Compile time, checked by `npm run typecheck` (tsc over test/; scripts/test-all.sh runs it and counts it as a
    // test, since swc compiles the suites without checking types): were the generated types loose, the
    // expect-error directives below would themselves be errors. Never sent.
    const wrongField: components['schemas']['CreateBookingDto'] = {
      customerEmail: 'ada@example.com',
      quantity: 2,
      // @ts-expect-error `qty` is not a field of CreateBookingDto
      qty: 2,
    };
    // @ts-expect-error not an ErrorCode
    const wrongCode: ErrorCode = 'SOLD_OUTT';
    // Run time: the document the app serves, which the types were generated from, says the same.
    const served = (await (await fetch(`${app.url}/docs-json`)).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown>; enum?: string[] }> };
    };
    const schemas = served.components.schemas;
    expect(Object.keys(schemas.CreateBookingDto.properties ?? {}).sort()).toEqual(['customerEmail', 'quantity']);
    expect(Object.keys(wrongField)).toContain('qty');
    expect(schemas.CreateBookingDto.properties).not.toHaveProperty('qty');
    expect(schemas.ErrorCode.enum).toContain('SOLD_OUT');
    expect(schemas.ErrorCode.enum).not.toContain(wrongCode);
  });

  it('types each error response by the codes it can carry, so a client narrows on `code`', async () => {
    const created = await api.POST('/api/v1/events', {
      headers: admin,
      body: { name: 'One seat', startsAt: '2027-06-01T20:00:00Z', capacity: 1, strategy: 'atomic' },
    });
    const id = created.data!.id;
    const held = await api.POST('/api/v1/events/{id}/holds', {
      params: { path: { id } },
      body: { customerEmail: 'ada@example.com', quantity: 1 },
    });
    expect(held.response.status).toBe(201);
    const refused = await api.POST('/api/v1/events/{id}/bookings', {
      params: { path: { id } },
      body: { customerEmail: 'bob@example.com', quantity: 1 },
    });
    expect(refused.response.status).toBe(409);
    const refusal = refused.error!;
    // `code` is required on every documented error and narrows the body to that code's fields.
    if (refusal.code !== 'SOLD_OUT') throw new Error(`expected SOLD_OUT, got ${refusal.code}`);
    expect([refusal.available, refusal.requested]).toEqual([0, 1]);
    // Compile time (npm run typecheck): were `code` typed as any ErrorCode, these directives would be errors themselves.
    // @ts-expect-error HOLD_EXPIRED is a code of POST /holds/{reference}/confirm, never of a booking
    const notABookingCode: NonNullable<typeof refused.error>['code'] = 'HOLD_EXPIRED';
    expect(notABookingCode).not.toBe(refusal.code);

    const stranger = await api.POST('/api/v1/holds/{reference}/confirm', {
      params: { path: { reference: held.data!.reference } },
      headers: { authorization: 'Bearer not-the-secret' },
    });
    expect(stranger.response.status).toBe(404);
    const confirmCodes: NonNullable<typeof stranger.error>['code'][] = ['BOOKING_NOT_FOUND', 'HOLD_NOT_ACTIVE', 'HOLD_EXPIRED'];
    expect(confirmCodes).toContain(stranger.error?.code);
    // @ts-expect-error SOLD_OUT is not an answer of confirming a hold
    const notAConfirmCode: NonNullable<typeof stranger.error>['code'] = 'SOLD_OUT';
    expect(notAConfirmCode).toBe('SOLD_OUT');
  });

  it('documents 304 on the ETag reads: If-None-Match is a typed header and the answer has no body', async () => {
    const created = await api.POST('/api/v1/events', {
      headers: admin,
      body: { name: 'Cached', startsAt: '2027-06-01T20:00:00Z', capacity: 2 },
    });
    const id = created.data!.id;
    const first = await api.GET('/api/v1/events/{id}', { params: { path: { id } } });
    const etag = first.response.headers.get('etag');
    expect(etag).toEqual(expect.any(String));
    const again = await api.GET('/api/v1/events/{id}', { params: { path: { id }, header: { 'If-None-Match': etag! } } });
    expect(again.response.status).toBe(304);
    expect(again.data).toBeUndefined();
    const list = await api.GET('/api/v1/events', { params: { query: { limit: 1 } } });
    const listAgain = await api.GET('/api/v1/events', {
      params: { query: { limit: 1 }, header: { 'If-None-Match': list.response.headers.get('etag')! } },
    });
    expect(listAgain.response.status).toBe(304);
  });
});
