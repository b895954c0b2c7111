import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { PoolUsageMetrics } from './pool-usage.metrics';
import { SeatguardMetrics } from './seatguard-metrics';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [SeatguardMetrics, PoolUsageMetrics],
  exports: [SeatguardMetrics],
})
export class MetricsModule {}
