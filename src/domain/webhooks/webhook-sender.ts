import { Injectable } from '@nestjs/common';
import { SIGNATURE_HEADER, signWebhook, WEBHOOK_ID_HEADER, WEBHOOK_TYPE_HEADER } from './webhook-signature';

export interface WebhookRequest {
  url: string;
  secret: string;
  webhookId: string;
  type: string;
  body: string;
  timeoutMs: number;
}

/** A 2xx is delivered; anything else (another status, a refused connection, a timeout) is a failed try. */
export type SendResult = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

/**
 * One signed POST with Node's built-in fetch (undici), bounded by a timeout.
 * Signed at send time, so a retry carries a fresh timestamp the receiver's
 * tolerance accepts, and the same webhook id it deduplicates on.
 */
@Injectable()
export class WebhookSender {
  async send(request: WebhookRequest): Promise<SendResult> {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'seatguard-webhooks/1',
          [SIGNATURE_HEADER]: signWebhook(request.secret, request.body, timestamp),
          [WEBHOOK_ID_HEADER]: request.webhookId,
          [WEBHOOK_TYPE_HEADER]: request.type,
        },
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      // The body is not needed; reading it frees the connection for reuse.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true, statusCode: response.status };
      return { ok: false, statusCode: response.status, error: `receiver answered ${response.status}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const name = (error as Error).name;
      return {
        ok: false,
        statusCode: null,
        error: name === 'TimeoutError' ? `no answer within ${request.timeoutMs} ms` : (cause ?? (error as Error).message),
      };
    }
  }
}
