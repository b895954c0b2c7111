import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { map, Observable } from 'rxjs';

/** Private: the answer holds the admission; no-cache: revalidate on every poll. */
export const QUEUE_STATUS_CACHE_CONTROL = 'private, no-cache';

/**
 * Thousands of buyers poll their ticket each second: an unchanged ticket
 * answers 304 with no body (If-None-Match). Private: the answer holds the
 * admission, so no shared cache may keep it.
 */
@Injectable()
export class QueueStatusEtagInterceptor implements NestInterceptor {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return next.handle().pipe(
      map((body: unknown) => {
        // The rough wait alone does not make a new answer: it would defeat the 304s while nothing moved.
        const stable = JSON.stringify(body, (key, value: unknown) => (key === 'estimatedWaitSeconds' ? undefined : value));
        const etag = `W/"${createHash('sha1').update(stable).digest('base64url')}"`;
        const adapter = this.adapterHost.httpAdapter;
        const response = http.getResponse<unknown>();
        adapter.setHeader(response, 'ETag', etag);
        adapter.setHeader(response, 'Cache-Control', QUEUE_STATUS_CACHE_CONTROL);
        const ifNoneMatch = http.getRequest<{ headers: IncomingHttpHeaders }>().headers['if-none-match'];
        if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === etag)) {
          adapter.status(response, 304);
          return undefined;
        }
        return body;
      }),
    );
  }
}
