import { STRATEGY_NAMES } from '../../src/domain/inventory/strategies/strategy-name';
import { UnsafeStrategy } from '../support/controls/unsafe.strategy';
import { closeTestDb, rows } from '../support/test-db';

/** Names MySQL accepts that no production class registers: the test harness's control group only. */
const HARNESS_ONLY = [UnsafeStrategy.strategyName];

/**
 * The strategy names live in one list (STRATEGY_NAMES, from the registered classes); MySQL's own list, the
 * CHECK on events.strategy, cannot derive from it, so it is read from the live test database (migrated as
 * production is) and compared. Without this, a new strategy validates in the API and then fails in MySQL.
 */
describe('strategy names: the registry and MySQL agree', () => {
  afterAll(closeTestDb);

  it('every registered strategy passes the events.strategy CHECK and fits the column, and the CHECK allows no other name', async () => {
    const [check] = await rows<{ clause: string }>(
      `SELECT CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'chk_events_strategy'`,
    );
    expect(check).toBeDefined();
    const allowed = [...check.clause.matchAll(/'([^']*)'/g)].map((m) => m[1]);
    const [column] = await rows<{ length: number }>(
      `SELECT CHARACTER_MAXIMUM_LENGTH AS length FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'events' AND COLUMN_NAME = 'strategy'`,
    );

    const problems = [
      ...STRATEGY_NAMES.filter((name) => !allowed.includes(name)).map(
        (name) =>
          `strategy "${name}" is registered (STRATEGY_NAMES) but MySQL's CHECK chk_events_strategy refuses it ` +
          `(allows ${allowed.join(', ')}): add a migration that widens the CHECK`,
      ),
      ...STRATEGY_NAMES.filter((name) => name.length > Number(column.length)).map(
        (name) => `strategy "${name}" is longer than events.strategy VARCHAR(${column.length}): add a migration that widens the column`,
      ),
      ...allowed
        .filter((name) => !(STRATEGY_NAMES as readonly string[]).includes(name) && !HARNESS_ONLY.includes(name))
        .map((name) => `MySQL's CHECK chk_events_strategy allows "${name}", which no strategy registers (STRATEGY_NAMES)`),
    ];
    expect(problems).toEqual([]);
  });
});
