import { Inject, Injectable } from '@nestjs/common';
import { bookingConfig, BookingConfig } from '../config/configuration';
import { StrategyNotAllowedError } from '../common/domain-errors';
import { BOOKING_STRATEGIES, BookingStrategy } from './booking-strategy';
import { StrategyName } from './strategy-name';

/** Picks the implementation for an event's current strategy name. */
@Injectable()
export class StrategyRegistry {
  private readonly byName: Map<StrategyName, BookingStrategy>;

  constructor(
    @Inject(BOOKING_STRATEGIES) strategies: BookingStrategy[],
    @Inject(bookingConfig.KEY) private readonly config: BookingConfig,
  ) {
    this.byName = new Map(strategies.map((s) => [s.name, s]));
  }

  get(name: StrategyName): BookingStrategy {
    this.assertAllowed(name);
    const strategy = this.byName.get(name);
    if (!strategy) throw new Error(`no booking strategy registered as "${name}"`);
    return strategy;
  }

  assertAllowed(name: StrategyName): void {
    if (name === 'unsafe' && !this.config.allowUnsafeStrategy) throw new StrategyNotAllowedError(name);
  }
}
