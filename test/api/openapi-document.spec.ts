// openapi.json is committed for client generators; these keep it honest without MySQL or Redis:
// it must equal what the generator builds from the code now, and lint clean with Redocly's recommended rules.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ERROR_CODES } from '../../src/shared/errors/error-codes';
import { CacheableReadInterceptor } from '../../src/platform/http/cacheable-read.interceptor';
import { codesNamedIn } from '../../src/platform/openapi/api-error-responses';
import { buildOpenApiDocumentOffline, openApiText } from '../../src/app/openapi/write-openapi-document';
import { QueueStatusEtagInterceptor } from '../../src/domain/waiting-room/queue-status-etag.interceptor';

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

interface Operation {
  operationId: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}

function operationsOf(document: OpenAPIObject): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
  );
}

/** operationIds (`<Controller>_<method>`) of every handler that answers with an ETag, read from the controllers themselves. */
async function etagReadsOfTheControllers(): Promise<string[]> {
  const etagInterceptors: unknown[] = [CacheableReadInterceptor, QueueStatusEtagInterceptor];
  const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.controller.ts'));
  const found: string[] = [];
  for (const file of files) {
    for (const exported of Object.values((await import(join(ROOT, 'src', file))) as Record<string, unknown>)) {
      if (typeof exported !== 'function' || !exported.name.endsWith('Controller')) continue;
      for (const method of Object.getOwnPropertyNames(exported.prototype)) {
        const handler = (exported.prototype as Record<string, unknown>)[method];
        const interceptors = (typeof handler === 'function' && Reflect.getMetadata(INTERCEPTORS_METADATA, handler)) || [];
        if ((interceptors as unknown[]).some((i) => etagInterceptors.includes(i))) {
          found.push(`${exported.name.replace(/Controller$/, '')}_${method}`);
        }
      }
    }
  }
  return found.sort();
}

describe('the OpenAPI document says', () => {
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await buildOpenApiDocumentOffline();
  });

  it('the version and the licence package.json says', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string };
    expect(document.info.version).toBe(pkg.version);
    expect(document.info.license).toEqual({ name: pkg.license, url: expect.stringMatching(/^https:\/\//) });
  });

  it('what each tag groups: every tag an operation uses is declared with a description, and none is declared unused', () => {
    const used = new Set(operationsOf(document).flatMap(([, op]) => op.tags ?? []));
    const declared = document.tags ?? [];
    expect(declared.map((t) => t.name).sort()).toEqual([...used].sort());
    for (const tag of declared) expect(tag.description?.length).toBeGreaterThan(20);
  });

  it('what each Bearer token is: one scheme per kind of credential, none claiming to be a JWT', () => {
    const schemes = document.components?.securitySchemes as Record<string, { scheme: string; bearerFormat?: string }>;
    expect(Object.keys(schemes).sort()).toEqual(['admin-key', 'admin-token', 'booking-secret', 'queue-secret']);
    for (const scheme of Object.values(schemes)) {
      expect(scheme.scheme).toBe('bearer');
      expect(scheme.bearerFormat).toEqual(expect.any(String));
      expect(scheme.bearerFormat).not.toBe('JWT');
    }
    expect(schemes['admin-key'].bearerFormat).toMatch(/^sgk_/);
    // Wherever ADMIN_TOKEN is accepted, so is an admin key (the scope each route needs is in its 403 or 404).
    for (const [name, op] of operationsOf(document)) {
      const alternatives = (op.security ?? []).map((requirement) => Object.keys(requirement)[0]);
      expect([name, alternatives.includes('admin-token')]).toEqual([name, alternatives.includes('admin-key')]);
    }
  });

  it('which codes each error response carries: an ErrorResponse whose `code` is an enum of known codes', () => {
    const known: readonly string[] = ERROR_CODES;
    let checked = 0;
    for (const [name, op] of operationsOf(document)) {
      for (const [status, response] of Object.entries(op.responses)) {
        // terminus documents its health report as the probes' 503.
        if (!/^(4|503)/.test(status) || name.startsWith('GET /health/')) continue;
        const schema = response.content?.['application/json']?.schema as { allOf?: Record<string, unknown>[] } | undefined;
        expect([name, status, schema?.allOf?.[0]]).toEqual([name, status, { $ref: '#/components/schemas/ErrorResponse' }]);
        const narrowed = schema!.allOf![1] as { required: string[]; properties: { code: { enum: string[] } } };
        expect(narrowed.required).toEqual(['code']);
        expect(narrowed.properties.code.enum.length).toBeGreaterThan(0);
        for (const code of narrowed.properties.code.enum) expect([name, status, known.includes(code)]).toEqual([name, status, true]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    const codes = (path: string, method: string, status: string) =>
      (
        (document.paths[path] as Record<string, Operation>)[method].responses[status].content!['application/json'].schema.allOf as {
          properties?: { code: { enum: string[] } };
        }[]
      )[1].properties!.code.enum;
    expect(codes('/api/v1/events/{id}/bookings', 'post', '409')).toEqual(
      expect.arrayContaining(['SOLD_OUT', 'SALE_NOT_OPEN', 'QUEUE_REQUIRED']),
    );
    expect(codes('/api/v1/events/{id}/bookings', 'post', '409')).not.toContain('HOLD_EXPIRED');
    expect(codes('/api/v1/holds/{reference}/confirm', 'post', '410')).toEqual(['HOLD_EXPIRED']);
    expect(codes('/api/v1/waitlist/{reference}', 'delete', '404')).toEqual(['WAITLIST_ENTRY_NOT_FOUND']);
    expect(codes('/api/v1/events/{id}/strategy', 'put', '403')).toEqual(['ADMIN_SCOPE_MISSING']);
  });

  it('reads the codes from a description: only known codes, each once, and a description naming none is refused', () => {
    expect(codesNamedIn('INVALID_INPUT (quantity above MAX_TICKETS_PER_BOOKING); INVALID_INPUT again, or SOLD_OUT', 400)).toEqual([
      'INVALID_INPUT',
      'SOLD_OUT',
    ]);
    expect(() => codesNamedIn('the event is gone', 404)).toThrow(/names no error code/);
  });

  it('304 on exactly the reads that answer with an ETag, with If-None-Match as their header', async () => {
    const etagReads = await etagReadsOfTheControllers();
    expect(etagReads).toEqual(['Events_get', 'Events_list', 'WaitingRoom_status']);
    const with304 = operationsOf(document)
      .filter(([, op]) => '304' in op.responses)
      .map(([, op]) => op.operationId)
      .sort();
    expect(with304).toEqual(etagReads);
    for (const [, op] of operationsOf(document).filter(([, o]) => etagReads.includes(o.operationId))) {
      expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'If-None-Match', in: 'header' }));
      expect(op.responses['200']).toMatchObject({ headers: { ETag: expect.any(Object) } });
    }
  });
});
