// openapi.json is committed for client generators; these keep it honest without MySQL or Redis:
// it must equal what the generator builds from the code now, and lint clean with Redocly's recommended rules.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOpenApiDocumentOffline, openApiText } from '../../src/app/openapi/write-openapi-document';

const ROOT = join(__dirname, '..', '..');
const LINT_TIMEOUT_MS = 60_000;

interface LintRun {
  code: number;
  output: string;
}

/** `redocly lint` as `npm run openapi:lint` runs it; no telemetry, no update check (works offline). */
function lint(file: string, cwd = ROOT): LintRun {
  try {
    const output = execFileSync(join(ROOT, 'node_modules', '.bin', 'redocly'), ['lint', file, '--format=stylish'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    });
    return { code: 0, output };
  } catch (error) {
    const failed = error as { status?: number | null; stdout?: string; stderr?: string; message: string };
    return { code: failed.status ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message };
  }
}

describe('openapi.json', () => {
  it('is what `npm run openapi` generates from the code now (run it and commit the result if this fails)', async () => {
    const generated = openApiText(await buildOpenApiDocumentOffline());
    expect(readFileSync(join(ROOT, 'openapi.json'), 'utf8')).toBe(generated);
  });

  it(
    'has its client types in test/client/seatguard.d.ts up to date (npm run openapi:client)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'openapi-client-'));
      try {
        const out = join(dir, 'seatguard.d.ts');
        // The same generator and flags as the npm script, read from it so the two cannot differ.
        const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
          'openapi:client'
        ];
        const args = script.split(' ').slice(1);
        args[args.indexOf('-o') + 1] = out;
        execFileSync(join(ROOT, 'node_modules', '.bin', 'openapi-typescript'), args, { cwd: ROOT, stdio: 'ignore' });
        expect(readFileSync(join(ROOT, 'test', 'client', 'seatguard.d.ts'), 'utf8')).toBe(readFileSync(out, 'utf8'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    LINT_TIMEOUT_MS,
  );

  it(
    'lints clean with Redocly recommended (npm run openapi:lint)',
    () => {
      const result = lint('openapi.json');
      expect(result.code === 0 ? '' : result.output).toBe('');
    },
    LINT_TIMEOUT_MS,
  );

  it(
    'fails the lint on a broken copy: an undefined $ref and an operation without responses',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-probe-'));
      try {
        const doc = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8'));
        doc.paths['/api/v1/events'].get.responses['200'].content['application/json'].schema = { $ref: '#/components/schemas/Nope' };
        doc.paths['/api/v1/events/{id}'].get.responses = {};
        writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
        copyFileSync(join(ROOT, 'redocly.yaml'), join(dir, 'redocly.yaml'));
        const result = lint('openapi.json', dir);
        expect(result.code).not.toBe(0);
        expect(result.output).toContain('no-unresolved-refs');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    LINT_TIMEOUT_MS,
  );
});
