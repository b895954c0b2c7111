import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { EventsModule } from '../events/events.module';
import { InventoryModule } from '../inventory/inventory.module';
import { sharedRateLimitStorage } from '../rate-limit/shared-rate-limit-storage';
import { REDIS_CLIENT } from '../redis/redis.tokens';
import { BookingBatcher } from './batching/booking-batcher';
import { BookingsController } from './bookings.controller';
import { BookingsService } from './bookings.service';
import { IdempotentBookings } from './idempotent-bookings';
import { BookingOutcomeInterceptor } from './booking-outcome.interceptor';
import { BookingsRepository } from './persistence/bookings.repository';
import { BookingBatchWriter } from './persistence/booking-batch-writer.mysql';
import { MysqlBookingsRepository } from './persistence/bookings.repository.mysql';
import { BookingAccessResolver } from './booking-access';
import { OwnedBookingsService } from './owned-bookings.service';
import { CheckoutController } from './checkout/checkout.controller';
import { CheckoutExpiry } from './checkout/checkout-expiry';
import { EventAdminController } from './checkout/event-admin.controller';
import { EventChangesService } from './checkout/event-changes.service';
import { WaitlistController } from './waitlist/waitlist.controller';
import { WaitlistRepository } from './waitlist/waitlist-entry';
import { MysqlWaitlistRepository } from './waitlist/waitlist.repository.mysql';
import { WaitlistService } from './waitlist/waitlist.service';

@Module({
  imports: [
    EventsModule,
    InventoryModule,
    // Per client on the booking route only (its guard is there). The client is the guard's
    // default tracker, req.ip, which TRUST_PROXY makes the address X-Forwarded-For gives
    // through trusted proxies. Counts live in Redis, so every instance shares them.
    ThrottlerModule.forRootAsync({
      inject: [bookingConfig.KEY, REDIS_CLIENT],
      useFactory: (c: BookingConfig, redis: Redis) => ({
        throttlers: [{ ttl: c.rateWindowMs, limit: Math.max(1, c.rateLimit) }],
        skipIf: () => c.rateLimit === 0,
        storage: sharedRateLimitStorage(redis),
      }),
    }),
  ],
  controllers: [BookingsController, CheckoutController, WaitlistController, EventAdminController],
  providers: [
    BookingsService,
    OwnedBookingsService,
    BookingAccessResolver,
    IdempotentBookings,
    BookingOutcomeInterceptor,
    CheckoutExpiry,
    EventChangesService,
    WaitlistService,
    { provide: WaitlistRepository, useClass: MysqlWaitlistRepository },
    { provide: BookingsRepository, useClass: MysqlBookingsRepository },
    BookingBatcher,
    BookingBatchWriter,
  ],
})
export class BookingsModule {}
