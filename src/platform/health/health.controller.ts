import { Controller, createParamDecorator, ExecutionContext, Get, HttpException, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { IncomingHttpHeaders } from 'node:http';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { AdminKeys } from '../../admin/auth/admin-keys.service';
import { allows } from '../../admin/auth/admin-scopes';
import { bearerToken } from '../../admin/auth/admin-token';
import { MysqlHealthIndicator } from './mysql.health';
import { Readiness } from './readiness';
import { RedisHealthIndicator } from './redis.health';

const CHECK_TIMEOUT_MS = 1000;
/** Read without @Headers(), which the OpenAPI scanner would list as a required parameter: the probes send none. */
const Authorization = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | undefined =>
    ctx.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>().headers.authorization,
);

const DETAILS =
  'With the admin token or an admin key (`Authorization: Bearer <ADMIN_TOKEN or key>`) the full terminus report; else only `{"status": ...}`.';

/**
 * Probes answer anyone, with the status code and a minimal body: that is all a
 * Kubernetes probe or a compose healthcheck reads. Which dependencies exist
 * and what their drivers said is for the admin token only.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: MysqlHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly readiness: Readiness,
    private readonly adminKeys: AdminKeys,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers (dependencies are not checked)', description: DETAILS })
  live(@Authorization() authorization?: string) {
    return this.answer(authorization, () => this.health.check([]));
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: MySQL answers and Redis accepts a write, each within 1 s, and the instance is not shutting down',
    description: DETAILS,
  })
  ready(@Authorization() authorization?: string) {
    return this.answer(authorization, () => {
      if (this.readiness.isDraining) {
        throw new ServiceUnavailableException({ status: 'error', error: { shutdown: { status: 'down', message: 'draining' } } });
      }
      return this.health.check([() => this.db.isHealthy('mysql', CHECK_TIMEOUT_MS), () => this.redis.isHealthy('redis', CHECK_TIMEOUT_MS)]);
    });
  }

  private async answer<T extends { status: string }>(
    authorization: string | undefined,
    check: () => Promise<T>,
  ): Promise<T | { status: string }> {
    // ADMIN_TOKEN, or an admin key with the `read` scope (looked up only when a token is sent: probes send none).
    const principal = await this.adminKeys.authenticate(bearerToken(authorization));
    if (principal && allows(principal, 'read')) return check();
    try {
      return { status: (await check()).status };
    } catch (error) {
      if (error instanceof HttpException) throw new HttpException({ status: 'error' }, error.getStatus());
      throw error;
    }
  }
}
