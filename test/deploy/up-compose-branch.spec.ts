import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';

const ROOT = join(__dirname, '..', '..');
/** What ensure_services needs of the repository: the helpers, the .env template and the compose file. */
const COPIED = ['scripts/lib.sh', 'scripts/write-env.js', '.env.example', 'docker/compose.yml'];

/**
 * A stand-in `docker`: answers `docker info` (so `npm run up` takes its Compose
 * branch), records every call with the secrets it was handed, and refuses a
 * `compose` call as Compose would: every `${VAR:?message}` of the file it is
 * given must be set and non-empty.
 */
const STAND_IN_DOCKER = `#!/usr/bin/env node
const { appendFileSync, readFileSync } = require('node:fs');
const args = process.argv.slice(2);
const env = {};
for (const name of ['ADMIN_TOKEN', 'DB_PASSWORD', 'MYSQL_ROOT_PASSWORD', 'REDIS_PASSWORD']) env[name] = process.env[name];
appendFileSync(process.env.STAND_IN_DOCKER_LOG, JSON.stringify({ args, env }) + '\\n');
if (args[0] === 'info') process.exit(0);
if (args[0] !== 'compose' || args[1] !== '-f') { console.error('unexpected docker call: ' + args.join(' ')); process.exit(2); }
const file = readFileSync(args[2], 'utf8');
for (const [, name, message] of file.matchAll(/\\$\\{(\\w+):\\?([^}]*)\\}/g)) {
  if (!process.env[name]) { console.error('required variable ' + name + ' is missing a value: ' + message); process.exit(1); }
}
`;

interface DockerCall {
  args: string[];
  env: Record<string, string | undefined>;
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `npm run up` on a machine with a Docker engine and neither MySQL nor Redis
 * answering: ensure_services (scripts/lib.sh) starts them with Docker Compose,
 * and must hand Compose every secret its file requires, the same ones `.env`
 * keeps for the app. Run in a copy of the scripts whose .env points at closed
 * ports (the shared servers are left alone).
 */
describe('npm run up: the Docker Compose branch', () => {
  let root: string;
  let log: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'seatguard-up-'));
    for (const file of COPIED) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(root, file));
    }
    mkdirSync(join(root, 'bin'));
    writeFileSync(join(root, 'bin', 'docker'), STAND_IN_DOCKER);
    chmodSync(join(root, 'bin', 'docker'), 0o755);
    log = join(root, 'docker-calls.jsonl');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** .env as the template writes it (secrets empty), with MySQL and Redis on closed ports. */
  async function writeEnvWithClosedPorts(edit: (text: string) => string = (t) => t): Promise<void> {
    const [dbPort, redisPort] = [await closedPort(), await closedPort()];
    const text = readFileSync(join(root, '.env.example'), 'utf8')
      .replace(/^DB_PORT=.*$/m, `DB_PORT=${dbPort}`)
      .replace(/^REDIS_URL=.*$/m, `REDIS_URL=redis://127.0.0.1:${redisPort}`);
    writeFileSync(join(root, '.env'), edit(text));
  }

  function ensureServices(): { status: number | null; output: string; calls: DockerCall[]; env: Record<string, string> } {
    writeFileSync(log, '');
    const run = spawnSync('bash', ['-c', 'source scripts/lib.sh; ensure_env_file; ensure_services'], {
      cwd: root,
      // A clean environment: what ensure_services reads comes from .env alone.
      env: { PATH: `${join(root, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: root, STAND_IN_DOCKER_LOG: log },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const calls = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DockerCall);
    return { status: run.status, output: run.stdout + run.stderr, calls, env: parseDotenv(readFileSync(join(root, '.env'))) };
  }

  it('generates the MySQL root password and a Redis password inside REDIS_URL, hands Compose the ones .env keeps, and keeps them', async () => {
    await writeEnvWithClosedPorts();
    const first = ensureServices();
    expect({ status: first.status, output: first.output }).toEqual({ status: 0, output: expect.any(String) as string });
    expect(first.calls.map((c) => c.args.join(' '))).toEqual(['info', 'compose -f docker/compose.yml up -d --wait mysql redis']);

    const given = first.calls[1].env;
    const { env } = first;
    for (const name of ['ADMIN_TOKEN', 'DB_PASSWORD', 'MYSQL_ADMIN_PASSWORD'] as const) expect(env[name]).toMatch(/^.{24,}$/);
    const redisUrl = new URL(env.REDIS_URL);
    expect(redisUrl.password).toMatch(/^[0-9a-f]{48}$/);
    expect(given).toEqual({
      ADMIN_TOKEN: env.ADMIN_TOKEN,
      DB_PASSWORD: env.DB_PASSWORD,
      MYSQL_ROOT_PASSWORD: env.MYSQL_ADMIN_PASSWORD,
      REDIS_PASSWORD: redisUrl.password,
    });
    expect(`${redisUrl.protocol}//${redisUrl.host}`).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);

    // Running `npm run up` again changes no secret.
    const second = ensureServices();
    expect(second.status).toBe(0);
    expect(second.env).toEqual(env);
    expect(second.calls[1].env).toEqual(given);
  });

  it('keeps secrets .env already has', async () => {
    await writeEnvWithClosedPorts((text) =>
      text
        .replace(/^ADMIN_TOKEN=$/m, 'ADMIN_TOKEN=an-admin-token-of-mine-0123456789')
        .replace(/^DB_PASSWORD=$/m, 'DB_PASSWORD=app-password')
        .replace(/^MYSQL_ADMIN_PASSWORD=$/m, 'MYSQL_ADMIN_PASSWORD=root-password')
        .replace(/^REDIS_URL=redis:\/\//m, 'REDIS_URL=redis://:redis-password@'),
    );
    const run = ensureServices();
    expect(run.status).toBe(0);
    expect(run.calls[1].env).toEqual({
      ADMIN_TOKEN: 'an-admin-token-of-mine-0123456789',
      DB_PASSWORD: 'app-password',
      MYSQL_ROOT_PASSWORD: 'root-password',
      REDIS_PASSWORD: 'redis-password',
    });
  });

  it('the stand-in refuses what Compose refuses: a missing secret', () => {
    writeFileSync(log, '');
    const run = spawnSync(join(root, 'bin', 'docker'), ['compose', '-f', join(root, 'docker/compose.yml'), 'up'], {
      env: {
        PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
        STAND_IN_DOCKER_LOG: log,
        ADMIN_TOKEN: 'x',
        DB_PASSWORD: 'y',
        REDIS_PASSWORD: 'z',
      },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/required variable MYSQL_ROOT_PASSWORD is missing a value/);
  });
});
