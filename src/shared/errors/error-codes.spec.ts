import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from './error-codes';

const SRC = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** `code: 'SOLD_OUT'`, `code = 'SOLD_OUT'`, `'SOLD_OUT' satisfies ErrorCode`: every way src names an error code. */
const CODE_LITERAL = /\bcode\s*[:=]\s*'([A-Z][A-Z0-9_]+)'|'([A-Z][A-Z0-9_]+)'\s+satisfies\s+ErrorCode/g;

describe('ERROR_CODES', () => {
  it('lists every error code written in src (the types catch most; this catches an untyped HttpException body)', () => {
    const written = new Set<string>();
    for (const file of sourceFiles(SRC)) {
      for (const match of readFileSync(file, 'utf8').matchAll(CODE_LITERAL)) written.add(match[1] ?? match[2]);
    }
    expect(written.size).toBeGreaterThan(5); // the scan itself works
    expect([...written].filter((code) => !(ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
  });

  it('has no duplicates', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});
