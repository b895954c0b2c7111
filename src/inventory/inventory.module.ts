import { Module } from '@nestjs/common';
import { AvailabilityMemo } from './availability-memo';
import { HoldSweeper } from './hold-sweeper';
import { InventoryRebuilder } from './inventory-rebuilder';
import { InventoryStore } from './inventory-store';
import { TicketLedger } from './persistence/ticket-ledger';
import { MysqlTicketLedger } from './persistence/ticket-ledger.mysql';

@Module({
  providers: [
    AvailabilityMemo,
    InventoryStore,
    InventoryRebuilder,
    HoldSweeper,
    { provide: TicketLedger, useClass: MysqlTicketLedger },
  ],
  exports: [AvailabilityMemo, InventoryStore, InventoryRebuilder, HoldSweeper],
})
export class InventoryModule {}
