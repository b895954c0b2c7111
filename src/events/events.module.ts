import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InventoryModule } from '../inventory/inventory.module';
import { StrategiesModule } from '../strategies/strategies.module';
import { EventCache } from './event-cache';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { EventEntity } from './persistence/event.entity';
import { EventsRepository } from './persistence/events.repository';
import { TypeOrmEventsRepository } from './persistence/events.repository.typeorm';

@Module({
  imports: [TypeOrmModule.forFeature([EventEntity]), InventoryModule, StrategiesModule],
  controllers: [EventsController],
  providers: [EventsService, EventCache, { provide: EventsRepository, useClass: TypeOrmEventsRepository }],
  exports: [EventsService],
})
export class EventsModule {}
