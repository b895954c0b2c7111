import { readdirSync } from 'node:fs';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createConnection, Connection, RowDataPacket } from 'mysql2/promise';
import { TEST_DB_NAME, testEnvironment } from '../setup/test-settings';
import { waitFor } from '../support/wait-for';

const ROOT = join(__dirname, '..', '..');
const MIGRATE = join(ROOT, 'dist', 'src', 'platform', 'database', 'migrate-with-lock.js');
const LOCK = 'seatguard.migrations';
/** Every migration the project has: all of them must be applied, each once. */
const MIGRATIONS = readdirSync(join(__dirname, '..', '..', 'migrations')).filter((f) => f.endsWith('.ts')).length;
// A database of its own (still *_test): this suite drops and migrates it from nothing.
const DB_NAME = `${TEST_DB_NAME.replace(/_test$/, '')}_migrate_test`;

interface Finished {
  code: number | null;
  output: string;
}

function startMigration(): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [MIGRATE], { cwd: ROOT, env: { ...process.env, ...testEnvironment(), DB_NAME } });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const finished = new Promise<Finished>((resolve) => child.on('exit', (code) => resolve({ code, output })));
  return { child, finished };
}

describe('migrations under a MySQL named lock (the Kubernetes init step)', () => {
  let db: Connection;

  beforeEach(() => {
    execFileSync(process.execPath, ['scripts/setup-database.js', '--fresh', DB_NAME], { cwd: ROOT, stdio: 'pipe' });
  });

  beforeAll(async () => {
    const env = testEnvironment();
    db = await createConnection({ host: env.DB_HOST, port: Number(env.DB_PORT), user: env.DB_USER, password: env.DB_PASSWORD });
  });

  afterAll(async () => {
    await db.end();
  });

  async function appliedMigrations(): Promise<string[]> {
    const [rows] = await db.query<RowDataPacket[]>(`SELECT name FROM \`${DB_NAME}\`.migrations`);
    return rows.map((r) => r.name as string);
  }

  it('runs each migration once when three replicas start together', async () => {
    const runs = await Promise.all([startMigration(), startMigration(), startMigration()].map((r) => r.finished));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(runs.filter((r) => r.output.includes('InitialSchema'))).toHaveLength(1);
    expect(runs.filter((r) => r.output.includes('none pending'))).toHaveLength(2);
    expect(await appliedMigrations()).toHaveLength(MIGRATIONS);
  });

  it('waits while another session holds the lock, and migrates once it is released', async () => {
    await db.query('SELECT GET_LOCK(?, 5)', [LOCK]);
    const run = startMigration();
    let exited = false;
    void run.finished.then(() => (exited = true));
    // Waiting means: its session sits in GET_LOCK on the migrations lock (MySQL says so), not merely "not done yet".
    const [[{ holder }]] = await db.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS holder');
    const waitingInGetLock = async () => {
      const [sessions] = await db.query<RowDataPacket[]>(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> ? AND DB = ? AND INFO LIKE 'SELECT GET_LOCK(%'",
        [holder, DB_NAME],
      );
      return sessions.length === 1;
    };
    await waitFor('the migrator waiting in GET_LOCK (or exited)', async () => exited || (await waitingInGetLock()), 30_000);
    expect(exited).toBe(false);
    expect(await waitingInGetLock()).toBe(true);
    const [tables] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ?', [
      DB_NAME,
    ]);
    expect(Number(tables[0].n)).toBe(0);
    await db.query('SELECT RELEASE_LOCK(?)', [LOCK]);
    expect((await run.finished).code).toBe(0);
    expect(await appliedMigrations()).toHaveLength(MIGRATIONS);
  });
});
