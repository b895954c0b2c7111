import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_STRATEGY, SEAT_STRATEGY_CLASSES, STRATEGY_NAMES } from './strategy-name';

const root = join(__dirname, '../../../..');

/** README.md and every Markdown file under docs/ (if there is one): where a newcomer reads which strategies exist. */
function docs(): { file: string; text: string }[] {
  const files = ['README.md'];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(join(root, dir));
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.endsWith('.md')) files.push(join(dir, entry));
      else if (!entry.includes('.')) walk(join(dir, entry));
    }
  };
  walk('docs');
  return files.map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));
}

/**
 * Lists of strategy names that cannot import STRATEGY_NAMES are checked against it: the docs here, the API's
 * name format in src/domain/events/dto/update-strategy.dto.spec.ts, MySQL's CHECK in test/api/strategy-names.e2e-spec.ts
 * (against the live database). Each failure names the list that disagrees.
 */
describe('STRATEGY_NAMES, the one list of production strategies', () => {
  it('has one name per registered class, each unique', () => {
    expect(STRATEGY_NAMES).toEqual(SEAT_STRATEGY_CLASSES.map((strategy) => strategy.strategyName));
    expect(new Set(STRATEGY_NAMES).size).toBe(STRATEGY_NAMES.length);
    expect(STRATEGY_NAMES).toContain(DEFAULT_STRATEGY);
  });

  it('is described in the docs (README.md or docs/): every strategy name appears there as `name`', () => {
    const text = docs()
      .map((d) => d.text)
      .join('\n');
    const missing = STRATEGY_NAMES.filter((name) => !text.includes(`\`${name}\``));
    expect(missing.map((name) => `strategy "${name}" is registered but README.md and docs/*.md never mention \`${name}\``)).toEqual([]);
  });
});
