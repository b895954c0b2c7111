import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { SeatguardMetrics } from './seatguard-metrics';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [SeatguardMetrics],
  exports: [SeatguardMetrics],
})
export class MetricsModule {}
