import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { MysqlHealthIndicator } from './mysql.health';
import { Readiness } from './readiness';
import { RedisHealthIndicator } from './redis.health';

const CHECK_TIMEOUT_MS = 1000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: MysqlHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly readiness: Readiness,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers (dependencies are not checked)' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: MySQL answers and Redis accepts a write, each within 1 s, and the instance is not shutting down' })
  ready() {
    if (this.readiness.isDraining) {
      throw new ServiceUnavailableException({ status: 'error', error: { shutdown: { status: 'down', message: 'draining' } } });
    }
    return this.health.check([() => this.db.isHealthy('mysql', CHECK_TIMEOUT_MS), () => this.redis.isHealthy('redis', CHECK_TIMEOUT_MS)]);
  }
}
