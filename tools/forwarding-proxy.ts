import { once } from 'node:events';
import { createServer, IncomingHttpHeaders, request, Server } from 'node:http';

/** The request header (from the test to the proxy only) that names the client address to forward. */
export const TEST_CLIENT_HEADER = 'x-test-client';

export interface ForwardingProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

export interface ForwardingProxyOptions {
  /** Where the proxy connects from, so the app can trust this proxy and nothing else. */
  localAddress?: string;
}

/**
 * A reverse proxy in the way an ingress controller is one: forwards every
 * request to `upstream` and appends the client's address to X-Forwarded-For.
 * The "client's address" is whatever the test puts in `x-test-client` (the
 * proxy's own clients are all 127.0.0.1), so one test can play many clients.
 */
export async function startForwardingProxy(upstream: string, options: ForwardingProxyOptions = {}): Promise<ForwardingProxy> {
  const target = new URL(upstream);
  const server: Server = createServer((incoming, outgoing) => {
    const client = String(incoming.headers[TEST_CLIENT_HEADER] ?? incoming.socket.remoteAddress ?? '');
    const headers: IncomingHttpHeaders = { ...incoming.headers, host: target.host };
    delete headers[TEST_CLIENT_HEADER];
    const earlier = incoming.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = earlier ? `${String(earlier)}, ${client}` : client;
    const forwarded = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers,
        localAddress: options.localAddress,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forwarded);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
