import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../admin/auth/admin-only.decorator';
import { SeatguardMetrics } from './seatguard-metrics';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: SeatguardMetrics) {}

  @Get()
  @AdminOnly()
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'Needs the admin token: a scrape config sends `Authorization: Bearer <ADMIN_TOKEN>` (Prometheus `authorization.credentials_file`).',
  })
  @ApiOkResponse({ description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
