import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { InventoryModule } from '../inventory/inventory.module';
import { StrategiesModule } from '../strategies/strategies.module';
import { BookingsController } from './bookings.controller';
import { BookingsService } from './bookings.service';
import { IdempotencyService } from './idempotency.service';
import { BookingsRepository } from './persistence/bookings.repository';
import { TypeOrmBookingsRepository } from './persistence/bookings.repository.typeorm';

@Module({
  imports: [EventsModule, InventoryModule, StrategiesModule],
  controllers: [BookingsController],
  providers: [BookingsService, IdempotencyService, { provide: BookingsRepository, useClass: TypeOrmBookingsRepository }],
})
export class BookingsModule {}
