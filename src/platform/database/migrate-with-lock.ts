import dataSource from './data-source';

/** One name for every replica and every release: MySQL named locks are server-wide. */
export const MIGRATION_LOCK = 'seatguard.migrations';
const LOCK_WAIT_SECONDS = 600;

/**
 * `typeorm migration:run`, serialised by a MySQL GET_LOCK so that N pods
 * starting at once (each with this as its init step) run the migrations once:
 * the first holds the lock and migrates, the others wait, then find nothing
 * pending. MySQL DDL is not transactional, so without the lock two pods would
 * both create the same table and one would fail half-way.
 *
 * The lock belongs to the session of one dedicated connection, held until the
 * migrations are done; it is released by MySQL if this process dies.
 */
async function migrateWithLock(): Promise<void> {
  await dataSource.initialize();
  const lockSession = dataSource.createQueryRunner();
  try {
    const [{ acquired }] = (await lockSession.query('SELECT GET_LOCK(?, ?) AS acquired', [MIGRATION_LOCK, LOCK_WAIT_SECONDS])) as {
      acquired: number | null;
    }[];
    if (Number(acquired) !== 1) throw new Error(`no migration lock after ${LOCK_WAIT_SECONDS} s (another migration still running?)`);
    const applied = await dataSource.runMigrations();
    process.stdout.write(`migrations applied: ${applied.length ? applied.map((m) => m.name).join(', ') : 'none pending'}\n`);
    await lockSession.query('SELECT RELEASE_LOCK(?)', [MIGRATION_LOCK]);
  } finally {
    await lockSession.release();
    await dataSource.destroy();
  }
}

migrateWithLock().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
