import { closeTestDb } from '../support/test-db';
import { RunningApp, startApp } from '../support/test-app';
import { metricsScraper } from '../support/metrics-scraper';

/** Samples of the HTTP duration histogram's _count series, keyed by their label set. */
function requestCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^seatguard_http_request_duration_seconds_count\{([^}]*)\} (\d+)$/gm)) {
    counts.set(m[1], Number(m[2]));
  }
  return counts;
}

describe('HTTP request metrics', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp();
  });

  afterAll(async () => {
    await app.close();
    await closeTestDb();
  });

  it('labels requests by route pattern and status code, never by raw URL', async () => {
    expect((await fetch(`${app.url}/api/v1/events/987654321`)).status).toBe(404);
    expect((await fetch(`${app.url}/api/v1/events/987654322`)).status).toBe(404);
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    const booking = await fetch(`${app.url}/api/v1/events/987654321/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerEmail: 'a@example.com', quantity: 1 }),
    });

    // An unknown event: 404, never a 500 (which the label below would then have to carry).
    expect(booking.status).toBe(404);
    const text = await (await fetch(`${app.url}/metrics`, { headers: metricsScraper })).text();
    expect(text).toContain('# TYPE seatguard_http_request_duration_seconds histogram');
    const counts = requestCounts(text);
    expect(counts.get('method="GET",route="/api/v1/events/:id",status_code="404"')).toBe(2);
    expect(counts.get('method="GET",route="/health/live",status_code="200"')).toBe(1);
    expect(counts.get('method="POST",route="/api/v1/events/:id/bookings",status_code="404"')).toBe(1);
    expect(text).not.toContain('98765432');
  });
});
