import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { PoolUsageMetrics } from './pool-usage.metrics';
import { SeatguardMetrics } from './seatguard-metrics';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [SeatguardMetrics, PoolUsageMetrics],
  exports: [SeatguardMetrics],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Every route, including /health/* and /metrics (outside the global prefix).
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
  }
}
