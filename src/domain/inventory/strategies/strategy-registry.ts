import { Inject, Injectable } from '@nestjs/common';
import { UnknownStrategyError } from '../../../shared/errors/domain-errors';
import { SEAT_STRATEGIES, SeatStrategy } from './seat-strategy';

/** Picks the implementation for an event's current strategy name. */
@Injectable()
export class StrategyRegistry {
  private readonly byName = new Map<string, SeatStrategy>();

  constructor(@Inject(SEAT_STRATEGIES) strategies: SeatStrategy[]) {
    for (const strategy of strategies) this.register(strategy);
  }

  /** A strategy added after start-up: the test harness's control group registers itself this way. */
  register(strategy: SeatStrategy): void {
    this.byName.set(strategy.name, strategy);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): SeatStrategy {
    const strategy = this.byName.get(name);
    if (!strategy) throw new UnknownStrategyError(name, this.names());
    return strategy;
  }

  assertKnown(name: string): void {
    this.get(name);
  }
}
