import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import { map, Observable } from 'rxjs';
import { etagOf } from '../../shared/etag';

/** Short enough that a sale's numbers stay fresh, long enough that a CDN absorbs a refresh storm. */
export const CACHEABLE_READ_CONTROL = 'public, max-age=1';

/**
 * Lets a CDN or a browser help with pages every buyer refreshes: the answer's
 * ETag, `Cache-Control: public, max-age=1`, and 304 with no body when the
 * client already has it (If-None-Match). Adapter-agnostic (HttpAdapterHost).
 */
@Injectable()
export class CacheableReadInterceptor implements NestInterceptor {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return next.handle().pipe(
      map((body: unknown) => {
        const etag = etagOf(body);
        if (!etag) return body;
        const adapter = this.adapterHost.httpAdapter;
        const response = http.getResponse<unknown>();
        adapter.setHeader(response, 'ETag', etag);
        adapter.setHeader(response, 'Cache-Control', CACHEABLE_READ_CONTROL);
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
