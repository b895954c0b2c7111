/** The booking strategies an event can use. `unsafe` is the tests' control group. */
export const STRATEGY_NAMES = ['pessimistic', 'optimistic', 'atomic', 'unsafe'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export const SAFE_STRATEGY_NAMES: readonly StrategyName[] = ['pessimistic', 'optimistic', 'atomic'];
export const DEFAULT_STRATEGY: StrategyName = 'atomic';
