import { Module } from '@nestjs/common';
import { LockingModule } from '../../platform/locking/locking.module';
import { AtomicBatchStep } from './batching/atomic-batch.step';
import { OptimisticBatchStep } from './batching/optimistic-batch.step';
import { PessimisticBatchStep } from './batching/pessimistic-batch.step';
import { SeatBatches } from './batching/seat-batches';
import { FailoverReconciler } from './failover-reconciler';
import { ReservationSweeper } from './reservation-sweeper';
import { InventoryRebuilder } from './inventory-rebuilder';
import { TicketLedger } from './persistence/ticket-ledger';
import { MysqlTicketLedger } from './persistence/ticket-ledger.mysql';
import { SeatInventory } from './seat-inventory';
import { SeatPool } from './seat-pool';
import { SeatReservation } from './seat-reservation';
import { SeatsInLimbo } from './seats-in-limbo';
import { SEAT_STRATEGIES, SeatStrategy } from './strategies/seat-strategy';
import { SEAT_STRATEGY_CLASSES } from './strategies/strategy-name';
import { StrategyRegistry } from './strategies/strategy-registry';

/** Owns every event's seats; the rest of the service sees only the SeatInventory port. */
@Module({
  imports: [LockingModule],
  providers: [
    SeatPool,
    InventoryRebuilder,
    ReservationSweeper,
    SeatsInLimbo,
    FailoverReconciler,
    { provide: TicketLedger, useClass: MysqlTicketLedger },
    // The production strategies, registered once in strategies/strategy-name.ts.
    ...SEAT_STRATEGY_CLASSES,
    {
      provide: SEAT_STRATEGIES,
      inject: [...SEAT_STRATEGY_CLASSES],
      useFactory: (...strategies: SeatStrategy[]) => strategies,
    },
    StrategyRegistry,
    { provide: SeatInventory, useClass: SeatReservation },
    AtomicBatchStep,
    PessimisticBatchStep,
    OptimisticBatchStep,
    SeatBatches,
  ],
  // StrategyRegistry: for registering a strategy from outside (the test harness's control group).
  // SeatBatches: the group-commit door (a batch's seats in one step).
  exports: [SeatInventory, StrategyRegistry, SeatBatches],
})
export class InventoryModule {}
