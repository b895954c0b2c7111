import { STRATEGY_NAMES } from '../../inventory/strategies/strategy-name';
import { STRATEGY_NAME_FORMAT } from './update-strategy.dto';

describe('STRATEGY_NAME_FORMAT', () => {
  it('lets every registered strategy name (STRATEGY_NAMES) through the API validation', () => {
    const refused = STRATEGY_NAMES.filter((name) => !STRATEGY_NAME_FORMAT.test(name));
    expect(refused.map((name) => `"${name}" does not match STRATEGY_NAME_FORMAT ${String(STRATEGY_NAME_FORMAT)}`)).toEqual([]);
  });
});
