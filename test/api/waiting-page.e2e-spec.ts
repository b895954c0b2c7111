import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { admin, createEvent } from '../support/sale';
import { closeTestDb, truncateAll } from '../support/test-db';
import { closeTestRedis, flushTestRedis } from '../support/test-redis';
import { RunningApp, startApp } from '../support/test-app';
import { QueueClient } from '../../tools/waiting-room/queue-client';

/** Debian's package (scripts/lib.sh ensure_browser installs it). */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The waiting page in a real browser (headless Chromium over the DevTools
 * protocol, playwright-core): it shows the place in line, survives a reload,
 * says when the buyer is admitted (with the admission to book with) and when
 * the event sold out, reading only what the page rendered, and that it was
 * told on its ticket's event stream, not by polling.
 */
describe('waiting page (headless Chromium)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/lib.sh ensure_browser (npm run test:all does)`);
    await truncateAll();
    await flushTestRedis();
    app = await startApp({ WAITING_ROOM_TICK_MS: '50', BOOKING_RATE_LIMIT: '0' });
    profile = mkdtempSync(join(tmpdir(), 'seatguard-chromium-'));
    // A new, empty profile (--user-data-dir, which playwright sets from this argument).
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
    await app.close();
    await closeTestDb();
    await closeTestRedis();
  });

  const stateOf = (page: Page) => page.locator('body').getAttribute('data-state');
  const until = (page: Page, state: string) => page.waitForSelector(`body[data-state="${state}"]`, { timeout: 15_000 });

  it('shows the place in line, keeps it over a reload, then says admitted (with the admission) or sold out', async () => {
    const event = await createEvent(app.url, {
      capacity: 2,
      queue: { mode: 'fifo' },
      salesStartAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const queue = new QueueClient(app.url);
    const first = await queue.join(event.id, 'first@example.com');
    const mine = await queue.join(event.id, 'me@example.com');
    const third = await queue.join(event.id, 'third@example.com');

    const page = await browser.newPage();
    // What the page asks the API for: its ticket's event stream, or the polling read.
    const asked = { stream: 0, poll: 0 };
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path === `/api/v1/queue/${mine.body.reference}/events`) asked.stream++;
      else if (path === `/api/v1/queue/${mine.body.reference}`) asked.poll++;
    });
    await page.goto(`${app.url}${mine.body.page}`);
    await until(page, 'waiting');
    expect(await page.locator('#position').textContent()).toBe('2');
    expect(await page.locator('body').getAttribute('data-transport')).toBe('stream');
    expect(await page.locator('#opens').isVisible()).toBe(true);
    // The secret left the address bar; a reload still finds the ticket.
    expect(page.url()).not.toContain('secret');
    await page.reload();
    await until(page, 'waiting');
    expect(await page.locator('#position').textContent()).toBe('2');

    const other = await browser.newPage();
    await other.goto(`${app.url}${third.body.page}`);
    await until(other, 'waiting');
    expect(await other.locator('#position').textContent()).toBe('3');

    // The opening: two seats, the first two in line are admitted.
    await fetch(`${app.url}/api/v1/events/${event.id}`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ salesStartAt: new Date().toISOString() }),
    });
    await until(page, 'admitted');
    expect(await page.locator('#admitted').textContent()).toContain('It is your turn');
    // Told by its stream, with no polling read (one stream per page load: two, with the reload).
    expect(asked).toEqual({ stream: 2, poll: 0 });
    const token = (await page.locator('#admission').textContent())!;
    expect((await queue.use(event.id, 'me@example.com', token)).status).toBe(201);
    await page.waitForSelector('#used:not([hidden])', { timeout: 15_000 });
    expect(await other.locator('#position').textContent()).toBe('1');

    // The first buyer takes the last seat: the third reads sold out.
    const firstStatus = await queue.read(first.body.reference, first.body.secret);
    expect((await queue.use(event.id, 'first@example.com', firstStatus.body!.admission!.token)).status).toBe(201);
    await until(other, 'sold-out');
    expect(await other.locator('#sold-out').textContent()).toContain('Sold out');
    expect(await stateOf(page)).toBe('admitted');
  });
});
