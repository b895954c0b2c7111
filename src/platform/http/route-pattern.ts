/**
 * Where the bootstrap (setup-express.ts / setup-fastify.ts) makes the matched
 * route pattern (`/api/v1/events/:id/bookings`) readable on the Node request,
 * so code after it (the HTTP metrics) needs no adapter's types.
 */
export const ROUTE_PATTERN = Symbol('seatguard.routePattern');

export interface WithRoutePattern {
  [ROUTE_PATTERN]?: string;
}

/** The matched route's pattern, or undefined for a request no route matched. */
export function routePattern(req: object): string | undefined {
  const pattern = (req as WithRoutePattern)[ROUTE_PATTERN];
  return typeof pattern === 'string' ? pattern : undefined;
}
