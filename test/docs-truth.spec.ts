// The documentation kept true by a test: every variable of the environment schema is in .env.example and in
// the configuration table of docs/operations.md (which lists nothing else), every metric the app registers is
// in its metrics table (which lists nothing else), every error code is in the table of docs/api.md, every link and
// repository path in the docs resolves, and every "docs/design.md §N" cited anywhere names a section that exists.
// Each check is a pure function over text, so each also proves below, on a damaged copy, that it can fail.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { EnvironmentVariables } from '../src/platform/config/environment.schema';
import type { BoundedSql } from '../src/platform/database/bounded-sql';
import { PoolUsageMetrics } from '../src/platform/metrics/pool-usage.metrics';
import { SeatguardMetrics } from '../src/platform/metrics/seatguard-metrics';
import type { WatchConnections } from '../src/platform/redis/watch-connections';
import { ERROR_CODES } from '../src/shared/errors/error-codes';

const ROOT = join(__dirname, '..');
const OPERATIONS = 'docs/operations.md';
const API = 'docs/api.md';
/** The files that create the app's metrics; the test builds them as the app does (see registeredMetrics). */
const METRIC_FILES = ['src/platform/metrics/seatguard-metrics.ts', 'src/platform/metrics/pool-usage.metrics.ts'];
/** Top-level folders whose paths, written in backticks in the docs, must exist. */
const CHECKED_ROOTS = ['src', 'test', 'bench', 'tools', 'scripts', 'docker', 'migrations', 'docs', '.ci'];

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The documents a reader follows: README, the root policy files and everything in docs/. */
function documents(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'CHANGELOG.md', ...docs];
}

/** The text of a `## heading` section, up to the next `## ` heading. */
export function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no "## ${heading}" section`);
  const next = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, next < 0 ? undefined : next);
}

/** The backticked names in the first cell of each table row of `text`. */
export function firstCellNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const cell = /^\|([^|]*)\|/.exec(line)?.[1];
    if (!cell) continue;
    for (const m of cell.matchAll(/`([^`]+)`/g)) names.push(m[1]);
  }
  return names;
}

/** Variables assigned in a dotenv file (`NAME=value` lines). */
export function dotenvNames(text: string): string[] {
  return [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}

/** Every property the schema validates or defaults, its parent class's included. */
function schemaVariables(): string[] {
  const validated = getMetadataStorage()
    .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
    .map((m) => m.propertyName);
  return [...new Set([...validated, ...Object.keys(new EnvironmentVariables())])].sort();
}

const minus = (a: string[], b: string[]): string[] => [...new Set(a.filter((x) => !b.includes(x)))].sort();

/** What is wrong between the schema, .env.example and the two tables of operations.md; [] when nothing. */
export function configurationProblems(schema: string[], envExample: string, operations: string): string[] {
  const example = dotenvNames(envExample);
  const table = firstCellNames(section(operations, 'Configuration')).filter((n) => /^[A-Z][A-Z0-9_]*$/.test(n));
  const scripts = firstCellNames(section(operations, 'Variables of the scripts'));
  return [
    ...minus(schema, example).map((v) => `${v}: in the schema, missing from .env.example`),
    ...minus(schema, table).map((v) => `${v}: in the schema, missing from the configuration table of ${OPERATIONS}`),
    ...minus(table, schema).map((v) => `${v}: in the configuration table of ${OPERATIONS}, not in the schema`),
    ...minus(example, [...schema, ...scripts]).map((v) => `${v}: in .env.example, in neither the schema nor "Variables of the scripts"`),
    ...minus(scripts, example).map((v) => `${v}: in "Variables of the scripts", missing from .env.example`),
  ];
}

/** What is wrong between the registered metric names and the metrics table; a row `name_*` covers a prefix. */
export function metricProblems(registered: string[], operations: string): string[] {
  const rows = firstCellNames(section(operations, 'Metrics')).filter((n) => /^[a-z_]+[a-z0-9_]*\*?$/.test(n));
  const covers = (row: string, name: string) => (row.endsWith('*') ? name.startsWith(row.slice(0, -1)) : row === name);
  return [
    ...registered.filter((name) => !rows.some((row) => covers(row, name))).map((n) => `${n}: registered, missing from the metrics table`),
    ...rows.filter((row) => !registered.some((name) => covers(row, name))).map((r) => `${r}: in the metrics table, not registered`),
  ];
}

/** What is wrong between the error codes the API can answer and the error-code table of api.md. */
export function errorCodeProblems(codes: readonly string[], api: string): string[] {
  const rows = firstCellNames(section(api, 'Error codes'));
  return [
    ...minus([...codes], rows).map((c) => `${c}: an error code, missing from the table of ${API}`),
    ...minus(rows, [...codes]).map((c) => `${c}: in the table of ${API}, not an error code`),
  ];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = !inFence && /^#{1,6} (.+)$/.exec(line);
    if (heading) found.add(anchorOf(heading[1]));
  }
  return found;
}

/**
 * Links `[text](target)` to files of the repository (and their #anchors), and backticked paths under the
 * repository's top folders, that do not resolve. `files` reads a document by its repository path.
 */
export function linkProblems(
  path: string,
  markdown: string,
  exists: (repoPath: string) => boolean,
  files: (p: string) => string,
): string[] {
  const problems: string[] = [];
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    const [file, anchor] = target.split('#');
    const repoPath = file ? relative(ROOT, resolve(ROOT, dirname(path), file)) : path;
    if (file && !exists(repoPath)) {
      problems.push(`${path}: link to ${target}: no such file`);
    } else if (anchor && repoPath.endsWith('.md') && !anchors(files(repoPath)).has(anchor)) {
      problems.push(`${path}: link to ${target}: no heading with that anchor`);
    }
  }
  for (const m of prose.matchAll(/`([^`\s]+)`/g)) {
    const token = m[1].replace(/[#:].*$/, '');
    const top = token.split('/')[0];
    if (!CHECKED_ROOTS.includes(top) || !token.includes('/') || /[*<>…{}]/.test(token)) continue;
    if (!exists(token.replace(/\/$/, ''))) problems.push(`${path}: \`${m[1]}\`: no such file or folder`);
  }
  return problems;
}

/** The sections of design.md a citation may name: `N` (## N.), `N.M` (### N.M) and `1.K`, the invariants. */
export function designSections(design: string): Set<string> {
  const found = new Set<string>();
  for (const m of design.matchAll(/^## (\d+)\. /gm)) found.add(m[1]);
  for (const m of design.matchAll(/^### (\d+\.\d+) /gm)) found.add(m[1]);
  for (const m of section(design, '1. Invariants').matchAll(/^(\d+)\. \*\*/gm)) found.add(`1.${m[1]}`);
  return found;
}

/** Citations `design.md §N[.M]` in `text` that name no section of design.md. */
export function citationProblems(path: string, text: string, sections: Set<string>): string[] {
  return [...text.matchAll(/design\.md §(\d+(?:\.\d+)?)/g)]
    .filter((m) => !sections.has(m[1]))
    .map((m) => `${path}: cites design.md §${m[1]}, which does not exist`);
}

/** Text files under the folders that cite the design (code, tests, tools, docs, deployment). */
function citingFiles(dir = ROOT, depth = 0): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (depth === 0 && !['src', 'test', 'bench', 'tools', 'scripts', 'docker', 'docs', 'README.md', 'CONTRIBUTING.md'].includes(name))
      return [];
    if (statSync(full).isDirectory()) return citingFiles(full, depth + 1);
    // This spec's own fixtures cite a section that does not exist on purpose.
    return /\.(ts|md|sh|ya?ml|json|js)$/.test(name) && full !== __filename ? [relative(ROOT, full)] : [];
  });
}

async function registeredMetrics(): Promise<string[]> {
  const metrics = new SeatguardMetrics();
  const idle = () => ({ inUse: 0, idle: 0, waiting: 0 });
  new PoolUsageMetrics(metrics, { usage: idle } as unknown as BoundedSql, { usage: idle } as unknown as WatchConnections).onModuleInit();
  return (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).sort();
}

/** Non-spec files under src/ that create a prom-client metric. */
function filesCreatingMetrics(dir = join(ROOT, 'src')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return filesCreatingMetrics(full);
    if (!name.endsWith('.ts') || name.endsWith('.spec.ts')) return [];
    return /new (Counter|Gauge|Histogram|Summary)\b/.test(readFileSync(full, 'utf8')) ? [relative(ROOT, full)] : [];
  });
}

const repoExists = (p: string) => existsSync(join(ROOT, p));

describe('the docs are true', () => {
  describe('configuration', () => {
    it('every schema variable is in .env.example and the configuration table, which lists nothing else', () => {
      expect(configurationProblems(schemaVariables(), read('.env.example'), read(OPERATIONS))).toEqual([]);
    });

    it('reads the whole schema (inherited database variables and ones without a default included)', () => {
      expect(schemaVariables()).toEqual(expect.arrayContaining(['DB_HOST', 'DB_TLS_CA_FILE', 'ADMIN_TOKEN', 'LOG_LEVEL', 'PORT']));
    });

    it('fails naming a variable missing from the table, from .env.example, or listed without being read', () => {
      const operations = read(OPERATIONS);
      const withoutRow = operations.replace(/^\| `DB_POOL_SIZE` .*\n/m, '');
      expect(withoutRow).not.toEqual(operations);
      const withExtraRow = operations.replace(/^(\| `PORT` .*\n)/m, '$1| `NOT_A_SETTING` | `1` | nothing |\n');
      const example = read('.env.example').replace(/^BOOKING_BATCH_MAX=.*\n/m, '');
      expect(configurationProblems(schemaVariables(), read('.env.example'), withoutRow)).toEqual([
        `DB_POOL_SIZE: in the schema, missing from the configuration table of ${OPERATIONS}`,
      ]);
      expect(configurationProblems(schemaVariables(), read('.env.example'), withExtraRow)).toEqual([
        `NOT_A_SETTING: in the configuration table of ${OPERATIONS}, not in the schema`,
      ]);
      expect(configurationProblems(schemaVariables(), example, operations)).toEqual([
        'BOOKING_BATCH_MAX: in the schema, missing from .env.example',
      ]);
      expect(configurationProblems([...schemaVariables(), 'NEW_SETTING'], read('.env.example'), operations)).toEqual([
        'NEW_SETTING: in the schema, missing from .env.example',
        `NEW_SETTING: in the schema, missing from the configuration table of ${OPERATIONS}`,
      ]);
    });
  });

  describe('metrics', () => {
    it('every metric the app registers is in the metrics table, which lists nothing else', async () => {
      expect(metricProblems(await registeredMetrics(), read(OPERATIONS))).toEqual([]);
    });

    it('builds every file that creates a metric (a metric made elsewhere must be added to this test)', () => {
      expect(filesCreatingMetrics().sort()).toEqual([...METRIC_FILES].sort());
    });

    it('fails naming a registered metric the table misses, and a row nothing registers', async () => {
      const registered = await registeredMetrics();
      expect(registered).toEqual(
        expect.arrayContaining(['seatguard_db_transaction_seconds', 'seatguard_db_pool_connections', 'process_cpu_seconds_total']),
      );
      const operations = read(OPERATIONS);
      const withoutRow = operations.replace(/^\| `seatguard_ambiguous_commits_total` .*\n/m, '');
      expect(withoutRow).not.toEqual(operations);
      expect(metricProblems(registered, withoutRow)).toEqual([
        'seatguard_ambiguous_commits_total: registered, missing from the metrics table',
      ]);
      expect(metricProblems([...registered, 'seatguard_new_total'], operations)).toEqual([
        'seatguard_new_total: registered, missing from the metrics table',
      ]);
      expect(
        metricProblems(
          registered.filter((n) => n !== 'seatguard_queue_waiting'),
          operations,
        ),
      ).toEqual(['seatguard_queue_waiting: in the metrics table, not registered']);
    });
  });

  describe('error codes', () => {
    it('every code of src/shared/errors/error-codes.ts is in the table of docs/api.md, which lists nothing else', () => {
      expect(errorCodeProblems(ERROR_CODES, read(API))).toEqual([]);
    });

    it('fails naming a code the table misses, and a row that is no code', () => {
      const withoutRow = read(API).replace(/^\| `SEATS_IN_LIMBO` .*\n/m, '');
      expect(errorCodeProblems(ERROR_CODES, withoutRow)).toEqual([`SEATS_IN_LIMBO: an error code, missing from the table of ${API}`]);
      expect(errorCodeProblems([...ERROR_CODES, 'NEW_CODE'], read(API))).toEqual([
        `NEW_CODE: an error code, missing from the table of ${API}`,
      ]);
      expect(
        errorCodeProblems(
          ERROR_CODES.filter((c) => c !== 'INTERNAL'),
          read(API),
        ),
      ).toEqual([`INTERNAL: in the table of ${API}, not an error code`]);
    });
  });

  describe('links', () => {
    it('every link to a repository file or heading, and every backticked repository path, resolves', () => {
      expect(documents().flatMap((doc) => linkProblems(doc, read(doc), repoExists, read))).toEqual([]);
    });

    it('fails on a missing file, a missing anchor and a stale path', () => {
      const text = [
        'See [the design](design.md#1-invariants), [gone](nothing-here.md), [bad anchor](design.md#no-such-heading),',
        'and `src/no-such-folder/file.ts`, but not `src/<feature>/` nor a [site](https://example.com).',
      ].join('\n');
      expect(linkProblems('docs/example.md', text, repoExists, read)).toEqual([
        'docs/example.md: link to nothing-here.md: no such file',
        'docs/example.md: link to design.md#no-such-heading: no heading with that anchor',
        'docs/example.md: `src/no-such-folder/file.ts`: no such file or folder',
      ]);
    });

    it('makes anchors as GitHub does', () => {
      expect(anchorOf('2.3 Reservations: the short Redis claim')).toBe('23-reservations-the-short-redis-claim');
      expect(anchorOf('HTTP adapter: Express or Fastify')).toBe('http-adapter-express-or-fastify');
      expect(anchorOf('`seatguard` — design')).toBe('seatguard--design');
    });
  });
  describe('citations of the design', () => {
    it('every "docs/design.md §N" in code, tests, tools and docs names a section that exists', () => {
      const sections = designSections(read('docs/design.md'));
      expect(citingFiles().flatMap((f) => citationProblems(f, read(f), sections))).toEqual([]);
    });

    it('knows the sections, and fails on one that does not exist', () => {
      const sections = designSections(read('docs/design.md'));
      expect([...sections]).toEqual(expect.arrayContaining(['1', '1.7', '1.9', '2.7', '3.1', '5.2', '6']));
      expect(citationProblems('src/x.ts', 'see docs/design.md §1.7 and docs/design.md §42.1', sections)).toEqual([
        'src/x.ts: cites design.md §42.1, which does not exist',
      ]);
    });
  });
});
