import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../support/child-app';
import { testEnvironment } from '../setup/test-settings';
import { RunningApp, startApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const compose = parse(readFileSync(join(__dirname, '..', '..', 'docker', 'compose.yml'), 'utf8')) as {
  services: Record<string, { command: string[]; healthcheck: { test: string[] } }>;
};
const dockerfile = readFileSync(join(__dirname, '..', '..', 'docker', 'Dockerfile'), 'utf8');

/** What Docker runs for a CMD-SHELL check or an ["sh", "-c", …] command: `$$` has become `$` by then. */
function containerShell(compose: string): string {
  return compose.replaceAll('$$', '$');
}

function runCheck(service: string, env: Record<string, string>): number | null {
  const [form, script] = compose.services[service].healthcheck.test;
  expect(form).toBe('CMD-SHELL');
  return spawnSync('sh', ['-c', containerShell(script)], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 }).status;
}

/**
 * The healthchecks of docker/compose.yml, run as Docker would run them in the
 * container, against this machine's MariaDB and a Redis started here with the
 * compose file's own command: healthy only with the right credentials.
 */
describe('compose healthchecks, run for real', () => {
  it('MySQL: healthy when the application user can log in, unhealthy on a wrong password', () => {
    const env = testEnvironment();
    const app = { MYSQL_USER: env.DB_USER, MYSQL_PASSWORD: env.DB_PASSWORD, MYSQL_DATABASE: env.DB_NAME };
    // mysqladmin ping alone answers 0 on "Access denied": a wrong root password passes it...
    expect(spawnSync('mysqladmin', ['ping', '-h', '127.0.0.1', '-uroot', '-pwrong-password', '--silent']).status).toBe(0);
    // ...so the check's query as the application user is what decides.
    expect(runCheck('mysql', { ...app, MYSQL_ROOT_PASSWORD: 'wrong-password' })).toBe(0);
    expect(runCheck('mysql', { ...app, MYSQL_PASSWORD: 'wrong-password', MYSQL_ROOT_PASSWORD: 'wrong-password' })).not.toBe(0);
  });

  describe('Redis with requirepass', () => {
    let redis: ChildProcess;
    let port: number;
    let shimDir: string;

    beforeAll(async () => {
      port = await freePort();
      // In the container redis-cli's default port is the server's; here a shim first on PATH adds -p.
      shimDir = mkdtempSync(join(tmpdir(), 'seatguard-redis-cli-'));
      const realCli = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' }).stdout.trim();
      writeFileSync(join(shimDir, 'redis-cli'), `#!/bin/sh\nexec ${realCli} -p ${port} "$@"\n`);
      chmodSync(join(shimDir, 'redis-cli'), 0o755);
      const start = containerShell(compose.services.redis.command[2]);
      redis = spawn('sh', ['-c', `${start} --port ${port} --bind 127.0.0.1`], {
        env: { PATH: process.env.PATH ?? '', REDIS_PASSWORD: 'compose-check-password' },
        stdio: 'ignore',
      });
      await waitFor('the compose Redis answering', () => spawnSync('redis-cli', ['-p', String(port), 'ping']).status === 0, 30_000);
    });

    afterAll(async () => {
      // Waited for: a suite that ends while its server is still going down leaves jest waiting on it.
      if (redis.exitCode === null && redis.signalCode === null) {
        const exited = new Promise((resolve) => redis.once('exit', resolve));
        redis.kill('SIGTERM');
        await exited;
      }
      rmSync(shimDir, { recursive: true, force: true });
    });

    it('refuses commands without the password', () => {
      const out = spawnSync('redis-cli', ['-p', String(port), 'get', 'x'], { encoding: 'utf8' }).stdout;
      expect(out).toMatch(/NOAUTH/);
    });

    it('is healthy with the password and unhealthy with a wrong one', () => {
      const check = (password: string) => runCheck('redis', { REDIS_PASSWORD: password, PATH: `${shimDir}:${process.env.PATH ?? ''}` });
      expect(check('compose-check-password')).toBe(0);
      expect(check('wrong-password')).not.toBe(0);
    });
  });

  /**
   * The app's checks (compose's on /health/ready, the Dockerfile's on /health/live) send no token:
   * the minimal body anyone gets must be enough for them, and not ready must still fail them.
   */
  describe('the app, probed without the admin token', () => {
    const apps: RunningApp[] = [];
    afterAll(async () => {
      for (const app of apps) await app.close();
    });
    /** The check's command with the app's address instead of the container's 127.0.0.1:3000; its exit status. */
    const probe = (command: string[], url: string) =>
      new Promise<number | null>((resolve) => {
        const [file, ...args] = command.map((part) => part.replace('http://127.0.0.1:3000', url));
        spawn(file === 'node' ? process.execPath : file, args, { stdio: 'ignore' }).once('exit', resolve);
      });
    const composeCheck = () => {
      const [form, ...command] = compose.services.app.healthcheck.test;
      expect(form).toBe('CMD');
      return command;
    };
    const dockerfileCheck = () => JSON.parse(/HEALTHCHECK[^\n]*\n?\s*CMD (\[.*\])/.exec(dockerfile)![1]) as string[];

    it('healthy when MySQL and Redis answer', async () => {
      const app = await startApp();
      apps.push(app);
      expect(await probe(composeCheck(), app.url)).toBe(0);
      expect(await probe(dockerfileCheck(), app.url)).toBe(0);
    });

    it('compose: unhealthy when Redis is away; the Dockerfile (liveness) stays healthy', async () => {
      const closedPort = await freePort();
      const app = await startApp({ REDIS_URL: `redis://127.0.0.1:${closedPort}`, REDLOCK_NODES: `redis://127.0.0.1:${closedPort}` });
      apps.push(app);
      expect(await probe(composeCheck(), app.url)).toBe(1);
      expect(await probe(dockerfileCheck(), app.url)).toBe(0);
    });
  });
});
