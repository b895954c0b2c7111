import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory/inventory.module';
import { EventCache } from './event-cache';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { EventReads } from './event-reads';
import { EventsRepository } from './persistence/events.repository';
import { MysqlEventsRepository } from './persistence/events.repository.mysql';

@Module({
  imports: [InventoryModule],
  controllers: [EventsController],
  providers: [EventsService, EventCache, EventReads, { provide: EventsRepository, useClass: MysqlEventsRepository }],
  exports: [EventsService, EventsRepository],
})
export class EventsModule {}
