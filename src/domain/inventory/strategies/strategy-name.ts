/** The strategies production offers. Tests may register more (the `unsafe` control group). */
export const STRATEGY_NAMES = ['pessimistic', 'optimistic', 'atomic'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export const DEFAULT_STRATEGY: StrategyName = 'atomic';
