// The static checks (ESLint, Prettier, dependency-cruiser) as tests, so `npm test` and `npm run test:all`
// count them in their "N passed, N failed" line. Each check runs the tool exactly as its npm script does
// and fails with the tool's own output; each also proves once, on a scratch file, that it can fail.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..');
const CODE_DIRS = ['src', 'test', 'bench', 'tools', 'migrations'];
const TOOL_TIMEOUT_MS = 120_000;

interface ToolRun {
  code: number;
  output: string;
}

function run(tool: string, args: string[], cwd = ROOT): ToolRun {
  try {
    const output = execFileSync(join(ROOT, 'node_modules', '.bin', tool), args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, output };
  } catch (error) {
    const failed = error as { status?: number | null; stdout?: string; stderr?: string; message: string };
    return { code: failed.status ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message };
  }
}

/** What a clean run shows: nothing. A failing run shows the tool's report in jest's diff. */
function problems(result: ToolRun): string {
  return result.code === 0 ? '' : `exit ${result.code}\n${result.output}`;
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe('static checks', () => {
  describe('ESLint (npm run lint)', () => {
    it(
      'finds nothing, warnings included',
      () => {
        expect(problems(run('eslint', ['--max-warnings', '0', ...CODE_DIRS]))).toBe('');
      },
      TOOL_TIMEOUT_MS,
    );

    it(
      'fails on a floating promise and an explicit any',
      () => {
        // Inside test/ so that tsconfig.json, and with it the type-aware rules, cover the scratch file.
        const dir = mkdtempSync(join(ROOT, 'test', 'static-checks-probe-'));
        try {
          const file = join(dir, 'probe.ts');
          writeFileSync(
            file,
            [
              'export async function later(): Promise<number> {',
              '  return Promise.resolve(1);',
              '}',
              'export function fire(): void {',
              '  later();',
              '}',
              'export const loose: any = 1;',
              '',
            ].join('\n'),
          );
          const result = run('eslint', ['--max-warnings', '0', file]);
          expect(result.code).toBe(1);
          expect(result.output).toContain('@typescript-eslint/no-floating-promises');
          expect(result.output).toContain('@typescript-eslint/no-explicit-any');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      TOOL_TIMEOUT_MS,
    );
  });

  describe('Prettier (npm run format:check)', () => {
    it(
      'finds every file formatted',
      () => {
        expect(problems(run('prettier', ['--check', '.']))).toBe('');
      },
      TOOL_TIMEOUT_MS,
    );

    it(
      "fails on a file that ignores the project's style (double quotes)",
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'seatguard-prettier-'));
        try {
          writeFileSync(join(dir, 'probe.ts'), 'export const quoted = "double";\n');
          const result = run('prettier', ['--check', '--config', join(ROOT, '.prettierrc'), join(dir, 'probe.ts')]);
          expect(result.code).toBe(1);
          expect(result.output).toContain('probe.ts');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      TOOL_TIMEOUT_MS,
    );
  });

  describe('dependency-cruiser (npm run depcruise)', () => {
    it(
      'finds no layer rule broken',
      () => {
        expect(problems(run('depcruise', ['--config', '.dependency-cruiser.cjs', ...CODE_DIRS]))).toBe('');
      },
      TOOL_TIMEOUT_MS,
    );

    it(
      'fails on each layer rule, in a scratch tree laid out like the repository',
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'seatguard-depcruise-'));
        try {
          symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
          writeTree(dir, {
            'src/a.ts': "import { b } from './b';\nexport const a = (): unknown => b;\n",
            'src/b.ts': "import { a } from './a';\nexport const b = (): unknown => a;\n",
            'test/support/helper.ts': 'export const helper = 1;\n',
            'src/uses-test-support.ts': "import { helper } from '../test/support/helper';\nexport const c = helper;\n",
            'src/domain/inventory/seat-keys.ts': "export const KEY = 'k';\n",
            'src/domain/inventory/seat-pool.ts': "export const POOL = 'p';\n",
            'src/domain/inventory/strategies/inside.strategy.ts':
              "import { KEY } from '../seat-keys';\nimport { POOL } from '../seat-pool';\nexport const fine = KEY + POOL;\n",
            'src/domain/bookings/outside.ts':
              "import { KEY } from '../inventory/seat-keys';\nimport { POOL } from '../inventory/seat-pool';\nexport const s = KEY + POOL;\n",
            'src/domain/bookings/booking.model.ts': 'export const B = 1;\n',
            'src/domain/inventory/upward.ts': "import { B } from '../bookings/booking.model';\nexport const i = B;\n",
            'src/platform/http/error-body.ts': 'export const body = {};\n',
            'src/platform/http/etag.ts': 'export const etag = 1;\n',
            'src/domain/bookings/bookings.service.ts':
              "import type { Request } from 'express';\nimport { body } from '../../platform/http/error-body';\nexport type R = Request;\nexport const x = body;\n",
            // issue 22: a domain file that is not a service (events/event-reads.ts) went uncaught under the old name rule
            'src/domain/events/event-reads.ts': "import { etag } from '../../platform/http/etag';\nexport const y = etag;\n",
            // a feature's controller is its HTTP edge: allowed
            'src/domain/events/events.controller.ts': "import { body } from '../../platform/http/error-body';\nexport const z = body;\n",
            'src/platform/metrics/knows-bookings.ts': "import { B } from '../../domain/bookings/booking.model';\nexport const m = B;\n",
            'src/platform/config/configuration.ts': 'export const config = {};\n',
            'src/shared/knows-config.ts': "import { config } from '../platform/config/configuration';\nexport const s = config;\n",
            'src/app/app.module.ts': 'export const AppModule = 1;\n',
            'src/main.ts': "import { AppModule } from './app/app.module';\nexport const main = AppModule;\n",
            'src/domain/events/wires-app.ts': "import { AppModule } from '../../app/app.module';\nexport const w = AppModule;\n",
            'bench/uses-test.ts': "import { helper } from '../test/support/helper';\nexport const b = helper;\n",
            'tools/uses-test.ts': "import { helper } from '../test/support/helper';\nexport const t = helper;\n",
            'src/domain/events/persistence/events.repository.ts':
              "import { Repository } from 'typeorm';\nexport type T = Repository<object>;\n",
            'src/platform/database/data-source.ts': "import { DataSource } from 'typeorm';\nexport type D = DataSource;\n",
            'src/app/setup-fastify.ts': "import type { FastifyInstance } from 'fastify';\nexport type F = FastifyInstance;\n",
            'src/platform/http/knows-fastify.ts': "import type { FastifyReply } from 'fastify';\nexport type R = FastifyReply;\n",
            'src/domain/testing/an-event.ts': 'export const anEvent = 1;\n',
            'src/domain/events/event.spec.ts': "import { anEvent } from '../testing/an-event';\nexport const fine = anEvent;\n",
            'src/domain/events/uses-test-data.ts': "import { anEvent } from '../testing/an-event';\nexport const e = anEvent;\n",
          });
          const result = run('depcruise', ['--config', join(ROOT, '.dependency-cruiser.cjs'), 'src', 'test', 'bench', 'tools'], dir);
          const broken = (rule: string): string[] =>
            result.output
              .split('\n')
              .filter((line) => line.includes(`error ${rule}:`))
              .map((line) => line.replace(/^.*?: /, '').replace(/ → .*node_modules\//, ' → node_modules/'));
          expect(result.code).not.toBe(0);
          expect(broken('no-circular-in-src')).toEqual([expect.stringMatching(/^src\/(a|b)\.ts → $/)]);
          expect(broken('src-not-to-test-support')).toEqual(['src/uses-test-support.ts → test/support/helper.ts']);
          expect(broken('seat-internals-only-in-inventory').sort()).toEqual([
            'src/domain/bookings/outside.ts → src/domain/inventory/seat-keys.ts',
            'src/domain/bookings/outside.ts → src/domain/inventory/seat-pool.ts',
          ]);
          expect(broken('inventory-below-bookings-and-events')).toEqual([
            'src/domain/inventory/upward.ts → src/domain/bookings/booking.model.ts',
          ]);
          expect(broken('no-http-below-the-edge').sort()).toEqual([
            'src/domain/bookings/bookings.service.ts → node_modules/express/index.js',
            'src/domain/bookings/bookings.service.ts → src/platform/http/error-body.ts',
            'src/domain/events/event-reads.ts → src/platform/http/etag.ts',
          ]);
          expect(broken('platform-knows-no-feature')).toEqual([
            'src/platform/metrics/knows-bookings.ts → src/domain/bookings/booking.model.ts',
          ]);
          expect(broken('shared-at-the-bottom')).toEqual(['src/shared/knows-config.ts → src/platform/config/configuration.ts']);
          expect(broken('only-start-up-imports-app')).toEqual(['src/domain/events/wires-app.ts → src/app/app.module.ts']);
          expect(broken('bench-and-tools-not-to-test').sort()).toEqual([
            'bench/uses-test.ts → test/support/helper.ts',
            'tools/uses-test.ts → test/support/helper.ts',
          ]);
          expect(broken('http-stack-only-in-bootstrap').sort()).toEqual([
            'src/domain/bookings/bookings.service.ts → node_modules/express/index.js',
            'src/platform/http/knows-fastify.ts → node_modules/fastify/fastify.js',
          ]);
          expect(broken('unit-test-data-only-in-specs')).toEqual(['src/domain/events/uses-test-data.ts → src/domain/testing/an-event.ts']);
          expect(broken('typeorm-only-in-database')).toEqual([
            'src/domain/events/persistence/events.repository.ts → node_modules/typeorm/index.d.ts',
          ]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      TOOL_TIMEOUT_MS,
    );
  });
});
