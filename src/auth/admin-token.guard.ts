import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { appConfig, AppConfig } from '../config/configuration';

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`. Both sides are hashed first so the
 * comparison is constant-time whatever the presented token's length.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(appConfig.KEY) config: AppConfig) {
    this.expected = digest(config.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]), this.expected)) {
      throw new UnauthorizedException('a valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>');
    }
    return true;
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
