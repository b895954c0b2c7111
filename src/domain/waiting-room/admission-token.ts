import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an admission says: this ticket, this customer, this event, until then, once (the nonce). */
export interface Admission {
  eventId: number;
  reference: string;
  nonce: string;
  validUntil: number;
}

const PREFIX = 'wr1';

/**
 * Admissions as signed, self-describing tokens (HMAC-SHA256 over the fields
 * and the customer's e-mail), so the booking edge rejects a forged, altered or
 * foreign one without a round trip. Single use is the room's job (Redis):
 * a signature cannot be spent.
 */
export class AdmissionSigner {
  constructor(private readonly key: string) {}

  sign(admission: Admission, customer: string): string {
    const body = `${PREFIX}.${admission.eventId}.${admission.reference}.${admission.nonce}.${admission.validUntil}`;
    return `${body}.${this.mac(body, customer)}`;
  }

  /** The admission if the token is genuine and bound to this customer, else null (expiry is the caller's check). */
  verify(token: string, customer: string): Admission | null {
    const parts = token.split('.');
    if (parts.length !== 6 || parts[0] !== PREFIX) return null;
    const [, eventId, reference, nonce, validUntil, mac] = parts;
    const expected = Buffer.from(this.mac(parts.slice(0, 5).join('.'), customer));
    const presented = Buffer.from(mac);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
    return { eventId: Number(eventId), reference, nonce, validUntil: Number(validUntil) };
  }

  private mac(body: string, customer: string): string {
    return createHmac('sha256', this.key).update(`${body}\n${customer}`).digest('base64url');
  }
}
