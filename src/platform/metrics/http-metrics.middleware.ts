import { Injectable, NestMiddleware, SSE_ABORT_CONTROLLER } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { routePattern } from '../http/route-pattern';
import { SeatguardMetrics } from './seatguard-metrics';

/** Label for a request that finished without a matched route: one label, so raw URLs can never become series. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every request that reaches Nest's router: one clock read on the way
 * in, one `observe` when the response is finished. The route label is the
 * matched pattern (`/api/v1/events/:id/bookings`), never the raw URL.
 *
 * Not seen here: requests refused by the app-level middleware that runs
 * before Nest's (body too large, wrong content type), and paths that match
 * no route (Nest runs module middleware only on its routes' paths).
 * Nor server-sent event streams (@Sse() routes, on which Nest leaves its abort
 * controller): how long one lasts is how long its client listened, not a time
 * to answer, and it would fill the top bucket (their own gauges count them).
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: SeatguardMetrics) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      if (SSE_ABORT_CONTROLLER in req) return;
      this.metrics.httpRequestSeconds.observe(
        { method: req.method ?? '', route: routePattern(req) ?? UNMATCHED_ROUTE, status_code: res.statusCode },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  }
}
