import { createConnection } from 'mysql2/promise';
import { assertTestDatabase, testEnvironment } from './test-settings';

/** Refuses a non-test database and checks `migration:run` was done (npm run test:all does it). */
export default async function globalSetup(): Promise<void> {
  const env = testEnvironment();
  assertTestDatabase(env.DB_NAME);
  const db = await createConnection({
    host: env.DB_HOST,
    port: Number(env.DB_PORT),
    user: env.DB_USER,
    password: env.DB_PASSWORD,
    database: env.DB_NAME,
  });
  try {
    const [rows] = await db.query(
      "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'tickets'",
    );
    if (Number((rows as { n: number }[])[0].n) !== 1) {
      throw new Error(`database ${env.DB_NAME} is not migrated: run \`npm run test:all\` (or migration:run against it)`);
    }
  } finally {
    await db.end();
  }
}
