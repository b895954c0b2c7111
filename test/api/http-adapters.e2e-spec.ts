import { admin, createEvent, json } from '../support/sale';
import { closeTestDb, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';
import { RunningApp, startApp } from '../support/test-app';

interface Probe {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * Refused while the body is read. Express does that in middleware placed
   * before its CORS middleware, so those answers carry no CORS headers; Fastify
   * runs CORS in its first hook, so they do (see the last test).
   */
  bodyRefusal?: true;
}

const CORS_HEADERS = ['vary', 'access-control-allow-origin', 'access-control-allow-methods'];

/** The headers a client or a proxy acts on; Date, Content-Length and connection handling may differ. */
const COMPARED_HEADERS = [
  'content-type',
  'retry-after',
  'x-content-type-options',
  'x-frame-options',
  'strict-transport-security',
  'content-security-policy',
  'x-powered-by',
  'access-control-allow-origin',
  'access-control-allow-methods',
  'vary',
];

/** What must be equal on both adapters. */
function comparable(a: Awaited<ReturnType<typeof answer>>, p: Probe): unknown {
  if (!p.bodyRefusal) return a;
  return { ...a, headers: Object.fromEntries(Object.entries(a.headers).filter(([h]) => !CORS_HEADERS.includes(h))) };
}

async function answer(url: string, p: Probe): Promise<{ status: number; headers: Record<string, string | null>; body: unknown }> {
  const res = await fetch(`${url}${p.path}`, { method: p.method, headers: p.headers ?? json, body: p.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  // Each answer names its own request (a new id each time): present on both, compared by shape.
  if (body && typeof body === 'object' && 'requestId' in body) body = { ...body, requestId: typeof body.requestId };
  return { status: res.status, headers: Object.fromEntries(COMPARED_HEADERS.map((h) => [h, res.headers.get(h)])), body };
}

/**
 * HTTP_ADAPTER=fastify is an operator's choice a client must not notice: the
 * same requests, answered by an Express app and a Fastify app side by side,
 * get the same status, the same body and the same headers that matter.
 */
describe('Express and Fastify answer alike', () => {
  let express: RunningApp;
  let fastify: RunningApp;
  let eventId: number;

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    express = await startApp({ HTTP_ADAPTER: 'express', CORS_ORIGINS: 'https://tickets.example.com' });
    fastify = await startApp({ HTTP_ADAPTER: 'fastify', CORS_ORIGINS: 'https://tickets.example.com' });
    eventId = (await createEvent(express.url, { capacity: 1000 })).id;
  });
  afterAll(async () => {
    await express?.close();
    await fastify?.close();
    await closeTestDb();
    await closeTestRedis();
  });

  it('runs on the adapter it was asked for', () => {
    expect(express.app.getHttpAdapter().getType()).toBe('express');
    expect(fastify.app.getHttpAdapter().getType()).toBe('fastify');
  });

  it('gives the same answers to bad and odd requests', async () => {
    const bookings = `/api/v1/events/${eventId}/bookings`;
    const probes: Probe[] = [
      { name: 'malformed JSON', method: 'POST', path: bookings, body: '{"quantity": 1,', bodyRefusal: true },
      { name: 'string body', method: 'POST', path: bookings, body: '"book me"', bodyRefusal: true },
      { name: 'number body', method: 'POST', path: bookings, body: '  42', bodyRefusal: true },
      {
        name: '__proto__',
        method: 'POST',
        path: bookings,
        body: '{"customerEmail":"a@example.com","quantity":1,"__proto__":{"admin":true}}',
        bodyRefusal: true,
      },
      {
        name: 'escaped __proto__',
        method: 'POST',
        path: bookings,
        body: '{"customerEmail":"a@example.com","quantity":1,"\\u005f_proto__":{}}',
        bodyRefusal: true,
      },
      {
        name: 'constructor',
        method: 'POST',
        path: bookings,
        body: '{"customerEmail":"a@example.com","quantity":1,"constructor":{"prototype":{}}}',
        bodyRefusal: true,
      },
      {
        name: 'prototype alone',
        method: 'POST',
        path: bookings,
        body: '{"customerEmail":"a@example.com","quantity":1,"prototype":1}',
        bodyRefusal: true,
      },
      { name: 'too large', method: 'POST', path: bookings, body: JSON.stringify({ pad: 'x'.repeat(64 * 1024) }), bodyRefusal: true },
      { name: 'text/plain', method: 'POST', path: bookings, headers: { 'content-type': 'text/plain' }, body: '{}', bodyRefusal: true },
      {
        name: 'form',
        method: 'POST',
        path: bookings,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'quantity=1',
        bodyRefusal: true,
      },
      {
        name: 'JSON with charset',
        method: 'POST',
        path: bookings,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: '{}',
      },
      { name: 'empty JSON POST', method: 'POST', path: bookings, body: '' },
      {
        name: 'empty text POST',
        method: 'POST',
        path: `/api/v1/events/${eventId}/reconcile`,
        headers: { ...admin, 'content-type': 'text/plain' },
        body: '',
      },
      { name: 'validation', method: 'POST', path: bookings, body: JSON.stringify({ customerEmail: 'nope', quantity: 0 }) },
      { name: 'unknown event', method: 'GET', path: '/api/v1/events/987654' },
      { name: 'bad id', method: 'GET', path: '/api/v1/events/abc' },
      { name: 'unknown route', method: 'GET', path: '/api/v1/nothing-here' },
      { name: 'long reference', method: 'GET', path: `/api/v1/bookings/bk_${'A'.repeat(2000)}`, headers: admin },
      { name: 'no token', method: 'GET', path: bookings },
      { name: 'CORS allowed origin', method: 'GET', path: '/api/v1/events?limit=1', headers: { origin: 'https://tickets.example.com' } },
      { name: 'CORS other origin', method: 'GET', path: '/api/v1/events?limit=1', headers: { origin: 'https://evil.example.com' } },
      { name: 'liveness', method: 'GET', path: '/health/live' },
    ];
    const different: string[] = [];
    for (const p of probes) {
      const [e, f] = [await answer(express.url, p), await answer(fastify.url, p)];
      if (JSON.stringify(comparable(e, p)) !== JSON.stringify(comparable(f, p)))
        different.push(`${p.name}:\n  express ${JSON.stringify(e)}\n  fastify ${JSON.stringify(f)}`);
    }
    expect(different).toEqual([]);
  });

  it('differs in one place: on Fastify the body refusals carry CORS headers too (Express answers them before its CORS middleware)', async () => {
    const probe: Probe = {
      name: 'malformed JSON from an allowed origin',
      method: 'POST',
      path: `/api/v1/events/${eventId}/bookings`,
      headers: { ...json, origin: 'https://tickets.example.com' },
      body: '{',
    };
    const [e, f] = [await answer(express.url, probe), await answer(fastify.url, probe)];
    expect(comparable(e, { ...probe, bodyRefusal: true })).toEqual(comparable(f, { ...probe, bodyRefusal: true }));
    expect(e.headers['access-control-allow-origin']).toBeNull();
    expect(f.headers['access-control-allow-origin']).toBe('https://tickets.example.com');
  });

  it('books the same way: 201 with the booking, then 409 SOLD_OUT', async () => {
    const body = JSON.stringify({ customerEmail: 'ada@example.com', quantity: 1 });
    const onBoth = await Promise.all(
      [express.url, fastify.url].map(async (url) => {
        const small = await createEvent(url, { capacity: 1 });
        const probe: Probe = { name: 'book', method: 'POST', path: `/api/v1/events/${small.id}/bookings`, body };
        const [booked, soldOut] = [await answer(url, probe), await answer(url, probe)];
        return {
          booked: { status: booked.status, fields: Object.keys(booked.body as object).sort() },
          soldOut: comparable(soldOut, probe),
        };
      }),
    );
    expect(onBoth[0].booked.status).toBe(201);
    expect((onBoth[0].soldOut as { body: { code: string } }).body.code).toBe('SOLD_OUT');
    expect(onBoth[1]).toEqual(onBoth[0]);
  });
});
