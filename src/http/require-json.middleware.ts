import type { NextFunction, Request, Response } from 'express';
import { errorBody } from './error-body';

/** A body that is not JSON is refused up front (415) instead of being read as an empty object. */
export function requireJsonBodies(req: Request, res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && ['POST', 'PUT', 'PATCH'].includes(req.method) && !req.is('application/json')) {
    res.status(415).json(errorBody(415, 'request body must be application/json', 'UNSUPPORTED_MEDIA_TYPE'));
    return;
  }
  next();
}
