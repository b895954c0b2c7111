import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';
import { MysqlHealthIndicator } from './mysql.health';
import { RedisHealthIndicator } from './redis.health';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [MysqlHealthIndicator, RedisHealthIndicator, Readiness],
  exports: [Readiness],
})
export class HealthModule {}
