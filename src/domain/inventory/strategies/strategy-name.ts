import { AtomicStrategy } from './atomic.strategy';
import { OptimisticStrategy } from './optimistic.strategy';
import { PessimisticStrategy } from './pessimistic.strategy';

/**
 * The production strategies: the one registration of a strategy. InventoryModule provides these classes, the
 * StrategyRegistry picks among them, and every list of strategy names derives from STRATEGY_NAMES (validation
 * and OpenAPI enums, bench and soak targets, the drills, the e2e suites). What cannot derive from it is
 * checked against it: the MySQL CHECK on events.strategy (a migration must widen it:
 * test/api/strategy-names.e2e-spec.ts) and the docs (src/domain/inventory/strategies/strategy-names.spec.ts).
 *
 * Adding a strategy: one class implementing SeatStrategy (with its static `strategyName`), its spec, one
 * entry here; then the tests name whatever else disagrees. Tests may register more at run time (the
 * `unsafe` control group, test/support/controls/).
 */
export const SEAT_STRATEGY_CLASSES = [PessimisticStrategy, OptimisticStrategy, AtomicStrategy] as const;

export type StrategyName = (typeof SEAT_STRATEGY_CLASSES)[number]['strategyName'];

export const STRATEGY_NAMES: readonly StrategyName[] = SEAT_STRATEGY_CLASSES.map((strategy) => strategy.strategyName);

export const DEFAULT_STRATEGY: StrategyName = 'atomic';
