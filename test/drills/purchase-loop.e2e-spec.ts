import { once } from 'node:events';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PurchaseLoop, waitFor } from '../support/purchase-loop';

/**
 * The drills' buyers on their own, against a scripted server: a purchase
 * interrupted by `stop()` must still hear its final answer, or a booking the
 * app did make goes missing from what buyers were told.
 */
describe('PurchaseLoop', () => {
  let server: Server;
  let url: string;
  const seen = new Map<string, number>();
  /** Called as each request arrives, before it is answered. */
  let onRequest: () => void = () => undefined;

  beforeAll(async () => {
    // Each key: first a 503 ("try again"), then 201.
    server = createServer((req: IncomingMessage, res) => {
      const key = String(req.headers['idempotency-key']);
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      onRequest();
      req.resume();
      const [status, body] = n === 1 ? [503, { code: 'MYSQL_UNAVAILABLE' }] : [201, { reference: key, seats: [1] }];
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 503 ? { 'retry-after': '1' } : {}) });
      res.end(JSON.stringify(body));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  it('stop() starts no new purchase but lets one that got a 503 retry with its key to the final answer', async () => {
    let stopped: Promise<void> | undefined;
    // Stopped while its first attempt is in flight: the moment an instance dies with a booking made and unanswered.
    onRequest = () => void (stopped ??= load.stop());
    const load = new PurchaseLoop(() => [url], 1, 1);
    await waitFor('stop() called', () => stopped !== undefined);
    await stopped;
    expect(load.unanswered).toEqual([]);
    expect(load.finals.map((a) => a.status)).toEqual([201]);
    expect((load.receipts[0].answer.body as { reference: string }).reference).toBe(load.receipts[0].key);
    expect(seen.size).toBe(1); // no purchase began after stop()
    expect(load.attempts.map((a) => a.status)).toEqual([503, 201]);
  });
});
