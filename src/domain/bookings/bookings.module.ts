import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { InventoryModule } from '../inventory/inventory.module';
import { WaitingRoomModule } from '../waiting-room/waiting-room.module';
import { RateLimitModule } from '../../platform/rate-limit/rate-limit.module';
import { BookingBatcher } from './batching/booking-batcher';
import { BookingsController } from './bookings.controller';
import { BookingsService } from './bookings.service';
import { IdempotentBookings } from './idempotent-bookings';
import { BookingOutcomeInterceptor } from './booking-outcome.interceptor';
import { BookingsRepository } from './persistence/bookings.repository';
import { BookingBatchWriter } from './persistence/booking-batch-writer.mysql';
import { MysqlBookingsRepository } from './persistence/bookings.repository.mysql';
import { BookingAuditSnapshots } from './booking-audit-snapshots';
import { OwnedBookingsService } from './owned-bookings.service';
import { CheckoutController } from './checkout/checkout.controller';
import { CheckoutExpiry } from './checkout/checkout-expiry';
import { EventAdminController } from '../event-admin/event-admin.controller';
import { EventChangesService } from '../event-admin/event-changes.service';
import { WaitlistController } from '../waitlist/waitlist.controller';
import { WaitlistRepository } from '../waitlist/waitlist-entry';
import { MysqlWaitlistRepository } from '../waitlist/persistence/waitlist.repository.mysql';
import { WaitlistService } from '../waitlist/waitlist.service';

@Module({
  imports: [
    EventsModule,
    InventoryModule,
    WaitingRoomModule,
    // One budget per client address for bookings, holds and waiting-list joins (@PerAddressRateLimit()).
    RateLimitModule,
  ],
  controllers: [BookingsController, CheckoutController, WaitlistController, EventAdminController],
  providers: [
    BookingsService,
    OwnedBookingsService,
    BookingAuditSnapshots,
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
