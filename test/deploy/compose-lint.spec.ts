import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const COMPOSE = join(ROOT, 'docker', 'compose.yml');
const DCLINT = join(ROOT, 'node_modules', '.bin', 'dclint');

/** dclint with warnings counted as failures; returns its exit code and report. */
function dclint(file: string): { status: number | null; report: string } {
  const run = spawnSync(DCLINT, ['--max-warnings', '0', '--color', 'false', file], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, report: run.stdout + run.stderr };
}

function lintEdited(edit: (text: string) => string): { status: number | null; report: string } {
  const dir = mkdtempSync(join(tmpdir(), 'seatguard-compose-'));
  try {
    const text = readFileSync(COMPOSE, 'utf8');
    const edited = edit(text);
    if (edited === text) throw new Error('the edit changed nothing');
    writeFileSync(join(dir, 'compose.yml'), edited);
    return dclint(join(dir, 'compose.yml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Service = { ports?: string[]; healthcheck?: { test: string[] }; environment?: Record<string, string> };

describe('Docker Compose file (docker/compose.yml)', () => {
  const compose = parse(readFileSync(COMPOSE, 'utf8'), { merge: true }) as { services: Record<string, Service> };

  it('is clean for dclint, warnings included', () => {
    const { status, report } = dclint(COMPOSE);
    expect(report.trim()).toBe('');
    expect(status).toBe(0);
  });

  it('dclint fails a copy that publishes Redis on every interface', () => {
    const { status, report } = lintEdited((t) => t.replace("'127.0.0.1:6379:6379'", "'6379:6379'"));
    expect(status).not.toBe(0);
    expect(report).toMatch(/no-unbound-port-interfaces/);
  });

  it('publishes MySQL and Redis on 127.0.0.1 only; the API is the one public port', () => {
    expect(compose.services.mysql.ports).toEqual(['127.0.0.1:3306:3306']);
    expect(compose.services.redis.ports).toEqual(['127.0.0.1:6379:6379']);
    expect(compose.services.app.ports).toEqual(['0.0.0.0:3000:3000']);
  });

  it('gives no secret a default, and the app reaches Redis with the password', () => {
    const text = readFileSync(COMPOSE, 'utf8');
    for (const name of ['ADMIN_TOKEN', 'DB_PASSWORD', 'MYSQL_ROOT_PASSWORD', 'REDIS_PASSWORD']) {
      expect(text).toContain(`\${${name}:?set ${name}}`);
      expect(text).not.toMatch(new RegExp(`\\$\\{${name}:-`));
    }
    expect(compose.services.app.environment?.REDIS_URL).toBe('redis://:${REDIS_PASSWORD:?set REDIS_PASSWORD}@redis:6379');
  });

  it('checks MySQL and Redis health in shell form, so $$VARIABLES expand in the container', () => {
    expect(compose.services.mysql.healthcheck?.test[0]).toBe('CMD-SHELL');
    expect(compose.services.redis.healthcheck?.test[0]).toBe('CMD-SHELL');
  });
});
