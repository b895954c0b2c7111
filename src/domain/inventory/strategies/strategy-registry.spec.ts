import { UnknownStrategyError } from '../../../shared/errors/domain-errors';
import type { SeatStrategy } from './seat-strategy';
import { StrategyRegistry } from './strategy-registry';

const strategy = (name: string): SeatStrategy => ({ name, attempt: () => Promise.resolve({ kind: 'missing' }) });

describe('StrategyRegistry', () => {
  it('finds a strategy by name, and one registered later', () => {
    const atomic = strategy('atomic');
    const registry = new StrategyRegistry([atomic, strategy('optimistic')]);
    expect(registry.get('atomic')).toBe(atomic);
    const extra = strategy('extra');
    registry.register(extra);
    expect(registry.get('extra')).toBe(extra);
    expect(registry.names()).toEqual(['atomic', 'optimistic', 'extra']);
  });

  it('refuses an unknown name with a 400 that lists the known ones', () => {
    const registry = new StrategyRegistry([strategy('atomic'), strategy('pessimistic')]);
    expect(() => registry.assertKnown('unsafe')).toThrow(UnknownStrategyError);
    expect(() => registry.get('unsafe')).toThrow('strategy must be one of the following values: atomic, pessimistic (got "unsafe")');
  });
});
