import { signWebhook, verifyWebhookSignature } from './webhook-signature';
import { retryDelayMs } from './webhook-backoff';
import { webhookBody } from './webhook-body';

describe('webhook signature (HMAC-SHA256 over "<t>.<body>", Stripe-style header)', () => {
  const body = '{"id":"wh_1","type":"booking.confirmed"}';
  const now = 1_800_000_000;

  it('verifies what it signed, within the tolerance only', () => {
    const header = signWebhook('whsec_a', body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('whsec_a', body, header, now)).toBe(true);
    expect(verifyWebhookSignature('whsec_a', body, header, now + 300)).toBe(true);
    expect(verifyWebhookSignature('whsec_a', body, header, now + 301)).toBe(false);
    expect(verifyWebhookSignature('whsec_a', body, header, now - 301)).toBe(false);
  });

  it('refuses another secret, another body, a moved timestamp, garbage', () => {
    const header = signWebhook('whsec_a', body, now);
    expect(verifyWebhookSignature('whsec_b', body, header, now)).toBe(false);
    expect(verifyWebhookSignature('whsec_a', `${body} `, header, now)).toBe(false);
    expect(verifyWebhookSignature('whsec_a', body, header.replace(`t=${now}`, `t=${now + 1}`), now)).toBe(false);
    for (const bad of [undefined, '', 't=x,v1=00', `t=${now}`, `t=${now},v1=zz`])
      expect(verifyWebhookSignature('whsec_a', body, bad, now)).toBe(false);
  });

  it('accepts any of several v1 signatures (a receiver mid-rotation)', () => {
    const [, v1] = signWebhook('whsec_a', body, now).split(',');
    const header = `t=${now},v1=${'0'.repeat(64)},${v1}`;
    expect(verifyWebhookSignature('whsec_a', body, header, now)).toBe(true);
  });
});

describe('retryDelayMs', () => {
  it('doubles per failed try from the base, capped, jittered between half and all of the step', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 100, 10_000, () => 1))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 100, 10_000, () => 0))).toEqual([50, 100, 200, 400]);
    expect(retryDelayMs(30, 100, 10_000, () => 1)).toBe(10_000);
  });
});

describe('webhookBody', () => {
  it('wraps the outbox payload with the webhook id, type and ISO times', () => {
    const out = JSON.parse(
      webhookBody('wh_1', 'hold.created', new Date('2026-12-01T10:00:00Z'), '{"at":"2026-12-01 10:00:00.123","quantity":2}'),
    );
    expect(out).toEqual({
      id: 'wh_1',
      type: 'hold.created',
      occurredAt: '2026-12-01T10:00:00.000Z',
      data: { at: '2026-12-01T10:00:00.123Z', quantity: 2 },
    });
  });
});
