import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { InventoryModule } from '../inventory/inventory.module';
import { RateLimitModule } from '../../platform/rate-limit/rate-limit.module';
import { QueueAdmissionInterceptor } from './queue-admission.interceptor';
import { QueueStatusEtagInterceptor } from './queue-status-etag.interceptor';
import { RoomStore } from './room-store';
import { RoomTicker } from './room-ticker';
import { TicketStreams } from './ticket-streams';
import { WaitingPageController } from './waiting-page.controller';
import { WaitingRoomController } from './waiting-room.controller';
import { WaitingRoomService } from './waiting-room.service';

/**
 * The per-event waiting room (issue 20, docs/design.md §6). Bookings import it for the
 * one admission step at their edge (QueueAdmissionInterceptor).
 */
@Module({
  imports: [
    EventsModule,
    InventoryModule,
    // Joins draw from the same per-address budget as bookings, holds and waiting-list joins.
    RateLimitModule,
  ],
  controllers: [WaitingRoomController, WaitingPageController],
  providers: [RoomStore, RoomTicker, TicketStreams, WaitingRoomService, QueueAdmissionInterceptor, QueueStatusEtagInterceptor],
  exports: [QueueAdmissionInterceptor, WaitingRoomService, RoomStore],
})
export class WaitingRoomModule {}
