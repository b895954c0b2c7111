/**
 * The floor of the floor: bare node:http answering 201 to a JSON POST (and
 * the readiness probe). What any Node HTTP server on this machine costs.
 */
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  if (req.url === '/health/ready') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const payload = JSON.stringify({ ok: true, received: body.length });
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
  });
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
