import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { EventsModule } from '../events/events.module';
import { InventoryModule } from '../inventory/inventory.module';
import { sharedRateLimitStorage } from '../rate-limit/shared-rate-limit-storage';
import { REDIS_CLIENT } from '../redis/redis.tokens';
import { QueueAdmissionInterceptor } from './queue-admission.interceptor';
import { QueueStatusEtagInterceptor } from './queue-status-etag.interceptor';
import { RoomStore } from './room-store';
import { RoomTicker } from './room-ticker';
import { WaitingPageController } from './waiting-page.controller';
import { WaitingRoomController } from './waiting-room.controller';
import { WaitingRoomService } from './waiting-room.service';

/**
 * The per-event waiting room (issue 20, DESIGN §6). Bookings import it for the
 * one admission step at their edge (QueueAdmissionInterceptor).
 */
@Module({
  imports: [
    EventsModule,
    InventoryModule,
    // Joins are limited like bookings: the same limits, counted in Redis across instances.
    ThrottlerModule.forRootAsync({
      inject: [bookingConfig.KEY, REDIS_CLIENT],
      useFactory: (c: BookingConfig, redis: Redis) => ({
        throttlers: [{ ttl: c.rateWindowMs, limit: Math.max(1, c.rateLimit) }],
        skipIf: () => c.rateLimit === 0,
        storage: sharedRateLimitStorage(redis),
      }),
    }),
  ],
  controllers: [WaitingRoomController, WaitingPageController],
  providers: [RoomStore, RoomTicker, WaitingRoomService, QueueAdmissionInterceptor, QueueStatusEtagInterceptor],
  exports: [QueueAdmissionInterceptor, WaitingRoomService, RoomStore],
})
export class WaitingRoomModule {}
