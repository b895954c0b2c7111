import { HTTPParser } from 'http-parser-js';

export interface ResponseParts {
  /** The status line and headers have been read. */
  head(status: number, headers: Headers): void;
  /** Body bytes as they come, de-chunked. */
  body(bytes: Buffer): void;
  /** The whole response has been read (the last chunk, the Content-Length, or the connection's end). */
  complete(): void;
}

/**
 * One HTTP/1.1 response read off a socket's bytes, with http-parser-js (the
 * parser websocket-driver and autocannon use): chunked, sized or
 * connection-delimited bodies. TicketStream's thousands of streams use it
 * instead of node:http's client, whose per-response objects and events cost
 * the proof's one process more than the streams themselves.
 */
export class HttpResponseReader {
  status = 0;
  headers = new Headers();
  complete = false;
  private readonly parser = new HTTPParser(HTTPParser.RESPONSE);

  constructor(parts: ResponseParts) {
    this.parser[HTTPParser.kOnHeadersComplete] = (info) => {
      this.status = info.statusCode;
      for (let i = 0; i + 1 < info.headers.length; i += 2) this.headers.append(info.headers[i], info.headers[i + 1]);
      parts.head(this.status, this.headers);
    };
    this.parser[HTTPParser.kOnBody] = (chunk, offset, length) => parts.body(chunk.subarray(offset, offset + length));
    this.parser[HTTPParser.kOnMessageComplete] = () => {
      if (this.complete) return;
      this.complete = true;
      parts.complete();
    };
  }

  /** Bytes from the socket; throws on a response that is not HTTP. */
  feed(bytes: Buffer): void {
    const parsed = this.parser.execute(bytes);
    if (parsed instanceof Error) throw parsed;
  }

  /** The connection ended: completes a body delimited by it. */
  end(): void {
    const failed = this.parser.finish();
    if (failed instanceof Error) throw failed;
  }
}
