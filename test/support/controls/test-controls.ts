import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type Redis from 'ioredis';
import { AppModule } from '../../../src/app/app.module';
import { createHttpAdapter } from '../../../src/app/http-adapter';
import { BookingsRepository } from '../../../src/domain/bookings/persistence/bookings.repository';
import { SeatPool } from '../../../src/domain/inventory/seat-pool';
import { PessimisticStrategy } from '../../../src/domain/inventory/strategies/pessimistic.strategy';
import { StrategyRegistry } from '../../../src/domain/inventory/strategies/strategy-registry';
import { REDIS_CLIENT } from '../../../src/platform/redis/redis.tokens';
import { IdempotentBookings } from '../../../src/domain/bookings/idempotent-bookings';
import { controlFaults } from './control-faults';
import { NaiveIdempotentBookings } from './naive-idempotent-bookings';
import { OverwritingBookingsRepository } from './overwriting-bookings.repository';
import { StallingPessimisticStrategy } from './stalling-pessimistic.strategy';
import { UnsafeStrategy } from './unsafe.strategy';

/**
 * The production AppModule plus the test harness's controls, none of which
 * ship in src/: the `unsafe` strategy (the control group that must oversell,
 * with a repository that lets its double seats through) and a pessimistic
 * strategy that can stall inside its lock (TEST_CRITICAL_SECTION_DELAY_MS),
 * and the faults of CONTROL_FAULTS (control-faults.ts) when a control app asks
 * for them. Everything else is the production app.
 */
export async function createAppWithTestControls(options: { logger?: false } = {}): Promise<INestApplication> {
  const builder = Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(PessimisticStrategy)
    .useClass(StallingPessimisticStrategy)
    .overrideProvider(BookingsRepository)
    .useClass(OverwritingBookingsRepository);
  if (controlFaults().has('naive-idempotency')) builder.overrideProvider(IdempotentBookings).useClass(NaiveIdempotentBookings);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication(createHttpAdapter(), { bodyParser: false, bufferLogs: true, ...options });
  const unsafe = new UnsafeStrategy(
    app.get(SeatPool, { strict: false }),
    app.get<Redis>(REDIS_CLIENT, { strict: false }),
    Number(process.env.UNSAFE_DELAY_MS ?? 0),
  );
  app.get(StrategyRegistry, { strict: false }).register(unsafe);
  return app;
}
