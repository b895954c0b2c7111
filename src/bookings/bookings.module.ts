import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { EventsModule } from '../events/events.module';
import { InventoryModule } from '../inventory/inventory.module';
import { StrategiesModule } from '../strategies/strategies.module';
import { BookingsController } from './bookings.controller';
import { BookingsService } from './bookings.service';
import { IdempotencyService } from './idempotency.service';
import { BookingsRepository } from './persistence/bookings.repository';
import { MysqlBookingsRepository } from './persistence/bookings.repository.mysql';
import { BookingAccessResolver } from './booking-access';
import { OwnedBookingsService } from './owned-bookings.service';

@Module({
  imports: [
    EventsModule,
    InventoryModule,
    StrategiesModule,
    // Per client (IP) and per instance, on the booking route only (its guard is there).
    ThrottlerModule.forRootAsync({
      inject: [bookingConfig.KEY],
      useFactory: (c: BookingConfig) => ({
        throttlers: [{ ttl: c.rateWindowMs, limit: Math.max(1, c.rateLimit) }],
        skipIf: () => c.rateLimit === 0,
      }),
    }),
  ],
  controllers: [BookingsController],
  providers: [
    BookingsService,
    OwnedBookingsService,
    BookingAccessResolver,
    IdempotencyService,
    { provide: BookingsRepository, useClass: MysqlBookingsRepository },
  ],
})
export class BookingsModule {}
