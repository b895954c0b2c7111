import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Deadline } from '../concurrency/deadline';
import { BoundedSql } from '../database/bounded-sql';

/**
 * `SELECT 1` through BoundedSql: on a frozen MySQL the probe's connection is
 * dropped when its time is up, instead of staying checked out of the pool
 * (as a ping raced against a timer would leave it).
 */
@Injectable()
export class MysqlHealthIndicator {
  constructor(
    private readonly sql: BoundedSql,
    private readonly health: HealthIndicatorService,
  ) {}

  async isHealthy(key: string, timeoutMs: number): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      await this.sql.query('SELECT 1', [], Deadline.in(timeoutMs));
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
