import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RepeatingTask } from '../../../platform/concurrency/repeating-task';
import { bookingConfig, BookingConfig } from '../../../platform/config/configuration';
import { OwnedBookingsService } from '../owned-bookings.service';
import { BookingsRepository } from '../persistence/bookings.repository';

const EXPIRY_BATCH = 200;

/**
 * Ends checkout holds whose time is up, on every instance, every
 * SWEEP_INTERVAL_MS: seats come back within expiresAt + the interval.
 * Instances racing on one hold are fine: ending is a locked, conditional
 * transaction (one of them ends it, the others find it ended), and a confirm
 * racing the expiry meets the same row (one winner).
 */
@Injectable()
export class CheckoutExpiry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CheckoutExpiry.name);
  private readonly loop: RepeatingTask;

  constructor(
    private readonly bookings: BookingsRepository,
    private readonly owned: OwnedBookingsService,
    @Inject(bookingConfig.KEY) config: BookingConfig,
  ) {
    // sweep() catches what it meets; onError only hears the unexpected.
    this.loop = new RepeatingTask(
      () => this.sweep(),
      config.sweepIntervalMs,
      (error) => this.logger.warn({ err: error }, 'hold expiry sweep failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Ends every lapsed hold it finds; returns how many. MySQL or Redis away: the next tick tries again. */
  async sweep(): Promise<number> {
    let ended = 0;
    try {
      for (const id of await this.bookings.expiredHoldIds(EXPIRY_BATCH)) {
        if ((await this.owned.end(id, 'expired'))?.status === 'expired') ended += 1;
      }
    } catch (error) {
      this.logger.warn({ err: error as Error }, 'hold expiry sweep interrupted');
    }
    return ended;
  }
}
