import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { appConfig, AppConfig } from '../../platform/config/configuration';

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer (\S+)$/.exec(header ?? '');
  return match ? match[1] : undefined;
}

/**
 * Knows the admin token. Both sides are hashed first so the comparison is
 * constant-time whatever the presented token's length.
 */
@Injectable()
export class AdminToken {
  private readonly expected: Buffer;

  constructor(@Inject(appConfig.KEY) config: AppConfig) {
    this.expected = digest(config.adminToken);
  }

  matches(token: string | undefined): boolean {
    return token !== undefined && timingSafeEqual(digest(token), this.expected);
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
