import { createHash } from 'node:crypto';
import { Cleanups } from '../support/cleanups';
import { admin } from '../support/sale';
import { RunningApp, startApp } from '../support/test-app';
import { closeTestDb, rows, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';

interface CreatedKey {
  id: number;
  key: string;
  name: string;
  scopes: string[];
}

/** Admin keys with scopes, revoked at once everywhere, and the audit log of every admin change. */
describe('admin keys and the audit log', () => {
  let apps: RunningApp[];
  const cleanups = new Cleanups();
  const url = (path: string, app = apps[0]) => `${app.url}/api/v1${path}`;
  const as = (key: string, requestId?: string) => ({
    authorization: `Bearer ${key}`,
    'content-type': 'application/json',
    ...(requestId ? { 'X-Request-Id': requestId } : {}),
  });
  const send = (method: string, path: string, headers: Record<string, string>, body?: unknown, app = apps[0]) =>
    fetch(url(path, app), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const createKey = async (name: string, scopes: string[]): Promise<CreatedKey> => {
    const res = await send('POST', '/admin/keys', admin, { name, scopes });
    expect(res.status).toBe(201);
    return (await res.json()) as CreatedKey;
  };
  const createEvent = async (headers: Record<string, string> = admin) => {
    const res = await send('POST', '/events', headers, { name: 'Keyed', startsAt: '2027-06-01T20:00:00Z', capacity: 10 });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: number; strategy: string };
  };

  beforeAll(async () => {
    await truncateAll();
    await flushTestRedis();
    // Two instances sharing MySQL and Redis: what one revokes, the other must refuse at once.
    apps = [cleanups.later(await startApp()), cleanups.later(await startApp())];
  });
  afterAll(async () => {
    await cleanups.runAll();
    await closeTestDb();
    await closeTestRedis();
  });

  it('a read-only key reads but cannot switch a strategy (403, nothing changed); a strategy key can', async () => {
    const readOnly = await createKey('dashboard', ['read']);
    const operator = await createKey('operator', ['strategy']);
    const event = await createEvent();
    expect((await send('GET', `/events/${event.id}/bookings`, as(readOnly.key))).status).toBe(200);
    expect((await send('GET', '/admin/audit', as(readOnly.key))).status).toBe(200);
    // The operator's reads outside /api/v1: the scrape and the detailed readiness report.
    expect((await fetch(`${apps[0].url}/metrics`, { headers: as(readOnly.key) })).status).toBe(200);
    const ready = await (await fetch(`${apps[0].url}/health/ready`, { headers: as(readOnly.key) })).json();
    expect(ready.details).toMatchObject({ mysql: { status: 'up' } });

    const refused = await send('PUT', `/events/${event.id}/strategy`, as(readOnly.key), { strategy: 'pessimistic' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ statusCode: 403, code: 'ADMIN_SCOPE_MISSING' });
    expect((await (await fetch(url(`/events/${event.id}`))).json()).strategy).toBe('atomic');
    expect((await send('POST', '/events', as(readOnly.key), { name: 'x', startsAt: '2027-06-01T20:00:00Z', capacity: 1 })).status).toBe(
      403,
    );
    expect((await send('POST', '/admin/keys', as(operator.key), { name: 'escalate', scopes: ['keys'] })).status).toBe(403);

    const switched = await send('PUT', `/events/${event.id}/strategy`, as(operator.key), { strategy: 'pessimistic' });
    expect(switched.status).toBe(200);
    expect((await switched.json()).strategy).toBe('pessimistic');
  });

  it('stores only the SHA-256 of a key, shows the key once, refuses unknown keys (401) and bad scopes (400)', async () => {
    const created = await createKey('ci', ['events', 'read']);
    expect(created.key).toMatch(/^sgk_[A-Za-z0-9_-]{43}$/);
    const [row] = await rows<{ key_hash: string }>('SELECT key_hash FROM admin_keys WHERE id = ?', [created.id]);
    expect(row.key_hash).toBe(createHash('sha256').update(created.key).digest('hex'));
    const listed = await (await send('GET', '/admin/keys', admin)).json();
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(listed.items.find((k: { id: number }) => k.id === created.id)).toMatchObject({
      name: 'ci',
      scopes: ['events', 'read'],
      revokedAt: null,
    });

    const forged = `sgk_${'A'.repeat(43)}`;
    expect((await send('GET', '/admin/audit', as(forged))).status).toBe(401);
    const before = await rows('SELECT id FROM admin_keys');
    const bad = await send('POST', '/admin/keys', admin, { name: 'bad', scopes: ['read', 'root'] });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/scope must be one of read, events, strategy, webhooks, keys/);
    expect(await rows('SELECT id FROM admin_keys')).toEqual(before);
  });

  it('a revoked key is refused at once by every instance', async () => {
    const key = await createKey('leaving-soon', ['events']);
    for (const app of apps) expect((await send('GET', '/admin/audit', as(key.key), undefined, app)).status).toBe(200);
    const revoked = await send('DELETE', `/admin/keys/${key.id}`, admin, undefined, apps[0]);
    expect(revoked.status).toBe(200);
    expect((await revoked.json()).revokedAt).not.toBeNull();
    // No wait, no poll: the very next request, on either instance.
    for (const app of apps) {
      const refused = await send('GET', '/admin/audit', as(key.key), undefined, app);
      expect(refused.status).toBe(401);
    }
    expect((await send('POST', '/events', as(key.key), { name: 'x', startsAt: '2027-06-01T20:00:00Z', capacity: 1 }, apps[1])).status).toBe(
      401,
    );
    expect((await send('DELETE', '/admin/keys/999999', admin)).status).toBe(404);
  });

  it('the audit log shows each change with who, its request id and before/after, newest first, page by page', async () => {
    const operator = await createKey('night-shift', ['events', 'strategy']);
    const event = await createEvent(as(operator.key, 'audit-create'));
    expect((await send('PATCH', `/events/${event.id}`, as(operator.key, 'audit-patch'), { capacity: 12, name: 'Renamed' })).status).toBe(
      200,
    );
    expect((await send('PUT', `/events/${event.id}/strategy`, as(operator.key, 'audit-strategy'), { strategy: 'optimistic' })).status).toBe(
      200,
    );
    expect((await send('POST', `/events/${event.id}/reconcile`, as(operator.key, 'audit-reconcile'))).status).toBe(200);
    expect((await send('POST', `/events/${event.id}/cancel`, admin)).status).toBe(200);
    // A refused change is not a change.
    expect((await send('PATCH', `/events/${event.id}`, as(operator.key, 'audit-refused'), { capacity: 0 })).status).toBe(400);

    const entries: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const page = await (await send('GET', `/admin/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`, admin)).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      entries.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const ids = entries.map((e) => e.id as number);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);

    const forEvent = entries.filter((e) => e.targetType === 'event' && e.targetId === String(event.id)).reverse();
    const actor = `key:${operator.id}:night-shift`;
    expect(forEvent.map((e) => [e.action, e.actor, e.requestId])).toEqual([
      ['event.create', actor, 'audit-create'],
      ['event.update', actor, 'audit-patch'],
      ['strategy.switch', actor, 'audit-strategy'],
      ['inventory.reconcile', actor, 'audit-reconcile'],
      ['event.cancel', 'ADMIN_TOKEN', expect.stringMatching(/^[0-9a-f-]{36}$/)],
    ]);
    const [create, patch, strategy, reconcile, cancel] = forEvent;
    expect(create).toMatchObject({ before: null, after: { id: event.id, capacity: 10, strategy: 'atomic' }, actorKeyId: operator.id });
    expect(patch).toMatchObject({ before: { capacity: 10, name: 'Keyed' }, after: { capacity: 12, name: 'Renamed' } });
    expect(strategy).toMatchObject({ before: { strategy: 'atomic' }, after: { strategy: 'optimistic' } });
    expect(reconcile).toMatchObject({ after: { eventId: event.id, free: 12 } });
    expect(cancel).toMatchObject({ before: { cancelledAt: null }, after: { cancelledAt: expect.any(String) } });
    const keyEntries = entries.filter((e) => e.targetType === 'admin-key');
    expect(keyEntries.some((e) => e.action === 'key.revoke')).toBe(true);
    expect(keyEntries.find((e) => e.targetId === String(operator.id))).toMatchObject({
      action: 'key.create',
      actor: 'ADMIN_TOKEN',
      before: null,
    });
    // Never the key itself, nor its hash.
    expect(JSON.stringify(entries)).not.toContain(operator.key);
    expect(JSON.stringify(entries)).not.toContain('keyHash');
  });

  describe('on the routes open to an owner or an admin (bookings, holds, waiting-list entries)', () => {
    /** Status and body without the request id: a refusal the same as a stranger's is the same text. */
    const answer = async (method: string, path: string, headers: Record<string, string>, app = apps[0]) => {
      const res = await send(method, path, headers, undefined, app);
      return { status: res.status, text: (await res.text()).replace(/,"requestId":"[^"]*"/, '') };
    };
    const take = async (route: 'bookings' | 'holds' | 'waitlist', eventId: number, email: string) => {
      const res = await send(
        'POST',
        `/events/${eventId}/${route}`,
        { 'content-type': 'application/json' },
        { customerEmail: email, quantity: 1 },
      );
      expect(res.status).toBe(201);
      return (await res.json()) as { reference: string; secret: string; status: string };
    };
    const auditOf = async (reference: string) => {
      const page = await (await send('GET', '/admin/audit?limit=100', admin)).json();
      return (page.items as Record<string, unknown>[]).filter((e) => e.targetId === reference).reverse();
    };

    it('a read key reads, an events key changes (audited); a key without the scope, or revoked, gets the 404 a stranger gets', async () => {
      const event = await createEvent();
      const sale = await send('PATCH', `/events/${event.id}`, admin, { capacity: 4 });
      expect(sale.status).toBe(200);
      const booking = await take('bookings', event.id, 'ada@example.com');
      const confirmLater = await take('holds', event.id, 'bob@example.com');
      const releaseLater = await take('holds', event.id, 'cy@example.com');
      const ownersBooking = await take('bookings', event.id, 'dee@example.com');
      const entry = await take('waitlist', event.id, 'eve@example.com');

      const reader = await createKey('support-desk', ['read']);
      const operator = await createKey('box-office', ['events']);
      const strategist = await createKey('tuner', ['strategy']);
      const stranger = as(`sgk_${'A'.repeat(43)}`);
      const notFound = (code: string) => ({ status: 404, text: expect.stringContaining(`"code":"${code}"`) });

      // Read scope: looks at any booking and entry, changes nothing.
      expect((await answer('GET', `/bookings/${booking.reference}`, as(reader.key))).status).toBe(200);
      expect((await answer('GET', `/waitlist/${entry.reference}`, as(reader.key))).status).toBe(200);
      const changes: [string, string][] = [
        ['DELETE', `/bookings/${booking.reference}`],
        ['POST', `/holds/${confirmLater.reference}/confirm`],
        ['DELETE', `/holds/${releaseLater.reference}`],
        ['DELETE', `/waitlist/${entry.reference}`],
      ];
      for (const [method, path] of changes) {
        const asStranger = await answer(method, path, stranger);
        expect(asStranger).toEqual(notFound(path.startsWith('/waitlist') ? 'WAITLIST_ENTRY_NOT_FOUND' : 'BOOKING_NOT_FOUND'));
        // A key without the `events` scope is no admin here: the stranger's answer, word for word (never 401 or 403).
        expect(await answer(method, path, as(reader.key))).toEqual(asStranger);
        expect(await answer(method, path, as(strategist.key))).toEqual(asStranger);
      }
      // Reading needs only `read`, which every scope includes; a stranger still reads nothing.
      expect((await answer('GET', `/bookings/${booking.reference}`, as(strategist.key))).status).toBe(200);
      expect(await answer('GET', `/bookings/${booking.reference}`, stranger)).toEqual(notFound('BOOKING_NOT_FOUND'));
      const untouched = await (await send('GET', `/bookings/${booking.reference}`, admin)).json();
      expect(untouched.status).toBe('confirmed');

      // Events scope: every change, each on the record as the key's.
      const left = await send('DELETE', `/waitlist/${entry.reference}`, as(operator.key, 'desk-leave'));
      expect([left.status, (await left.json()).status]).toEqual([200, 'left']);
      const confirmed = await send('POST', `/holds/${confirmLater.reference}/confirm`, as(operator.key, 'desk-confirm'));
      expect([confirmed.status, (await confirmed.json()).status]).toEqual([200, 'confirmed']);
      const released = await send('DELETE', `/holds/${releaseLater.reference}`, as(operator.key, 'desk-release'));
      expect([released.status, (await released.json()).status]).toEqual([200, 'released']);
      const cancelled = await send('DELETE', `/bookings/${booking.reference}`, as(operator.key, 'desk-cancel'));
      expect([cancelled.status, (await cancelled.json()).status]).toEqual([200, 'cancelled']);

      const actor = `key:${operator.id}:box-office`;
      expect(await auditOf(entry.reference)).toMatchObject([
        {
          action: 'waitlist.leave',
          targetType: 'waitlist-entry',
          actor,
          actorKeyId: operator.id,
          requestId: 'desk-leave',
          before: { status: 'waiting' },
          after: { status: 'left' },
        },
      ]);
      expect(await auditOf(confirmLater.reference)).toMatchObject([
        {
          action: 'hold.confirm',
          targetType: 'booking',
          actor,
          requestId: 'desk-confirm',
          before: { status: 'held' },
          after: { status: 'confirmed' },
        },
      ]);
      expect(await auditOf(releaseLater.reference)).toMatchObject([
        { action: 'hold.release', actor, requestId: 'desk-release', before: { status: 'held' }, after: { status: 'released' } },
      ]);
      expect(await auditOf(booking.reference)).toMatchObject([
        { action: 'booking.cancel', actor, requestId: 'desk-cancel', before: { status: 'confirmed' }, after: { status: 'cancelled' } },
      ]);
      const recorded = JSON.stringify(await auditOf(booking.reference));
      for (const secret of ['secretHash', 'requestHash', booking.secret]) expect(recorded).not.toContain(secret);

      // A revoked key is refused at once, on the other instance too: the stranger's 404, nothing changed.
      expect((await send('DELETE', `/admin/keys/${operator.id}`, admin, undefined, apps[0])).status).toBe(200);
      expect(await answer('GET', `/bookings/${ownersBooking.reference}`, as(operator.key), apps[1])).toEqual(notFound('BOOKING_NOT_FOUND'));
      expect(await answer('DELETE', `/bookings/${ownersBooking.reference}`, as(operator.key), apps[1])).toEqual(
        await answer('DELETE', `/bookings/${ownersBooking.reference}`, stranger, apps[1]),
      );
      // The owner's own cancellation works, and is no admin change: nothing in the audit log.
      const byOwner = await send('DELETE', `/bookings/${ownersBooking.reference}`, { authorization: `Bearer ${ownersBooking.secret}` });
      expect([byOwner.status, (await byOwner.json()).status]).toEqual([200, 'cancelled']);
      expect(await auditOf(ownersBooking.reference)).toEqual([]);
    });
  });
});
