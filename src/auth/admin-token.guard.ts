import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AdminToken, bearerToken } from './admin-token';

/** `Authorization: Bearer <ADMIN_TOKEN>`, else 401. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly adminToken: AdminToken) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<IncomingMessage>().headers.authorization;
    if (!this.adminToken.matches(bearerToken(header))) {
      throw new UnauthorizedException('a valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>');
    }
    return true;
  }
}
