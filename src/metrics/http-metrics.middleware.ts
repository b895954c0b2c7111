import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { SeatguardMetrics } from './seatguard-metrics';

/** Label for a request that finished without a matched route: one label, so raw URLs can never become series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every request that reaches Nest's router: one clock read on the way
 * in, one `observe` when the response is finished. The route label is the
 * matched pattern (`/api/v1/events/:id/bookings`), never the raw URL.
 *
 * Not seen here: requests refused by the app-level middleware that runs
 * before Nest's (body too large, wrong content type), and paths that match
 * no route (Nest runs module middleware only on its routes' paths).
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: SeatguardMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      this.metrics.httpRequestSeconds.observe(
        { method: req.method, route: routePattern(req), status_code: res.statusCode },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  }
}

/** Express leaves the matched route on the request; its path is the pattern. */
function routePattern(req: Request): string {
  const path: unknown = (req as { route?: { path?: unknown } }).route?.path;
  return typeof path === 'string' ? req.baseUrl + path : UNMATCHED_ROUTE;
}
