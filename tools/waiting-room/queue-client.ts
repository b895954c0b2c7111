/** The same JSON header test/support/sale.ts sends: this client is shared with the bench, which may not import test/. */
const json = { 'content-type': 'application/json' };

export interface Ticket {
  status: number;
  body: {
    reference: string;
    secret: string;
    status: string;
    position: number | null;
    estimatedWaitSeconds: number | null;
    page: string;
    code?: string;
  };
}

export interface TicketStatus {
  status: string;
  position: number | null;
  estimatedWaitSeconds: number | null;
  admission?: { token: string; expiresAt: string; usable: boolean; book: string; hold: string };
}

/** JSON, or what came instead (a proxy's HTML error page) as `{ raw }`. */
async function bodyOf<T>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch {
    return { raw: text.slice(0, 200) } as T;
  }
}

/** A buyer's view of the waiting room, over HTTP. */
export class QueueClient {
  constructor(readonly baseUrl: string) {}

  async join(eventId: number, customerEmail: string): Promise<Ticket> {
    const res = await fetch(`${this.baseUrl}/api/v1/events/${eventId}/queue`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ customerEmail }),
    });
    return { status: res.status, body: await bodyOf<Ticket['body']>(res) };
  }

  async read(reference: string, secret: string, etag?: string): Promise<{ status: number; etag: string | null; body?: TicketStatus }> {
    const headers: Record<string, string> = { authorization: `Bearer ${secret}` };
    if (etag) headers['if-none-match'] = etag;
    const res = await fetch(`${this.baseUrl}/api/v1/queue/${reference}`, { headers });
    return { status: res.status, etag: res.headers.get('etag'), body: await bodyOf<TicketStatus | undefined>(res) };
  }

  /** Books (or holds) `quantity` seats with an admission token. */
  async use(
    eventId: number,
    customerEmail: string,
    token: string | undefined,
    what: 'bookings' | 'holds' = 'bookings',
    extra: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { ...json, ...extra };
    if (token) headers['queue-admission'] = token;
    const res = await fetch(`${this.baseUrl}/api/v1/events/${eventId}/${what}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ customerEmail, quantity: 1 }),
    });
    return { status: res.status, body: await bodyOf<Record<string, unknown>>(res) };
  }
}
