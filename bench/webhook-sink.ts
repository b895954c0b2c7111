import type { Pool } from 'mysql2/promise';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The `-webhooks` targets' receiver: a local endpoint answering 204 at once, registered straight in the
 * bench database for one run (the app's triggers then write an outbox row per change and its worker
 * delivers them during the load), removed after it with its deliveries.
 */
export async function withWebhookEndpoint<T>(db: Pool, run: () => Promise<T>): Promise<T> {
  const sink: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hooks`;
  const [inserted] = await db.query("INSERT INTO webhook_endpoints (url, event_types, secret) VALUES (?, '*', 'whsec_bench')", [url]);
  try {
    return await run();
  } finally {
    await db.query('DELETE FROM webhook_endpoints WHERE id = ?', [(inserted as { insertId: number }).insertId]);
    sink.closeAllConnections();
    await new Promise<void>((resolve) => sink.close(() => resolve()));
  }
}
