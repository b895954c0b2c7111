// Creates the application database(s) and a non-root user that may use them.
// Usage: node scripts/setup-database.js [--fresh NAME]   (--fresh drops NAME first; *_test, *_bench and *_soak databases only)
require('dotenv').config({ quiet: true });
const mysql = require('mysql2/promise');

const env = process.env;
const fresh = process.argv[2] === '--fresh' ? process.argv[3] : undefined;
if (fresh && !/_(test|bench|soak)$/.test(fresh)) {
  console.error(`refusing to drop "${fresh}": only databases whose name ends in _test, _bench or _soak`);
  process.exit(2);
}

async function main() {
  const admin = await mysql.createConnection({
    host: env.DB_HOST || '127.0.0.1',
    port: Number(env.DB_PORT || 3306),
    user: env.MYSQL_ADMIN_USER || 'root',
    password: env.MYSQL_ADMIN_PASSWORD || '',
  });
  const user = env.DB_USER || 'seatguard';
  // A fresh test database gets an empty sibling for the tests' control group (test/support/controls/unguarded-db.ts).
  const unguarded = fresh && /_test$/.test(fresh) ? `${fresh.replace(/_test$/, '')}_unguarded_test` : undefined;
  const databases = [env.DB_NAME || 'seatguard', fresh, unguarded].filter(Boolean);
  try {
    if (fresh) await admin.query(`DROP DATABASE IF EXISTS \`${fresh}\``);
    if (unguarded) await admin.query(`DROP DATABASE IF EXISTS \`${unguarded}\``);
    for (const db of databases) {
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    }
    if (user !== 'root') {
      for (const host of ['localhost', '127.0.0.1', '%']) {
        await admin.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, host, env.DB_PASSWORD || '']);
        await admin.query('ALTER USER ?@? IDENTIFIED BY ?', [user, host, env.DB_PASSWORD || '']);
        for (const db of databases) {
          // TRIGGER: the schema enforces seat numbers <= capacity with one.
          await admin.query(`GRANT ALL PRIVILEGES ON \`${db}\`.* TO ?@?`, [user, host]);
        }
      }
    }
  } finally {
    await admin.end();
  }
}

main().catch((error) => {
  console.error(`[seatguard] database set-up failed: ${error.message}`);
  process.exit(1);
});
