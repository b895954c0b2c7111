import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory/inventory.module';
import { LockingModule } from '../locking/locking.module';
import { AtomicStrategy } from './atomic.strategy';
import { BOOKING_STRATEGIES, BookingStrategy } from './booking-strategy';
import { OptimisticStrategy } from './optimistic.strategy';
import { PessimisticStrategy } from './pessimistic.strategy';
import { StrategyRegistry } from './strategy-registry';
import { UnsafeStrategy } from './unsafe.strategy';

// Adding a strategy: one class, one entry here.
const IMPLEMENTATIONS = [PessimisticStrategy, OptimisticStrategy, AtomicStrategy, UnsafeStrategy];

@Module({
  imports: [InventoryModule, LockingModule],
  providers: [
    ...IMPLEMENTATIONS,
    {
      provide: BOOKING_STRATEGIES,
      inject: IMPLEMENTATIONS,
      useFactory: (...strategies: BookingStrategy[]) => strategies,
    },
    StrategyRegistry,
  ],
  exports: [StrategyRegistry],
})
export class StrategiesModule {}
