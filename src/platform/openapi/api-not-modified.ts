import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';

/** The validator a cached read answers with; sent back in If-None-Match. */
export const ETAG_HEADER = {
  ETag: {
    description: 'Validator of this answer: send it back in If-None-Match to get 304 while nothing changed',
    schema: { type: 'string' as const, example: 'W/"kq3x9Yw1RkqO4m0bVd7c1A"' },
  },
};

/**
 * A read that answers with an ETag (CacheableReadInterceptor, QueueStatusEtagInterceptor)
 * and 304 with no body when If-None-Match holds it. `cacheControl`: what the route
 * sets, so a client knows whether a shared cache may keep the answer. Pair with
 * `headers: ETAG_HEADER` on the route's 200.
 */
export const ApiNotModified = (cacheControl: string) =>
  applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: 'The ETag of the answer the client already has: 304 with no body while it is still current',
      schema: { type: 'string' },
    }),
    ApiResponse({
      status: 304,
      description: 'Not modified: the answer whose ETag was sent in If-None-Match is still current (no body)',
      headers: {
        ...ETAG_HEADER,
        'Cache-Control': { description: 'As on the 200', schema: { type: 'string', example: cacheControl } },
      },
    }),
  );
