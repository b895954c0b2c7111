// Creates the demo event once (by name), so a fresh `npm run up` has something to book.
require('dotenv').config({ quiet: true });
const mysql = require('mysql2/promise');

const NAME = 'Demo: Stadium tour — night 1';

async function main() {
  const db = await mysql.createConnection({
    host: process.env.DB_HOST || '127.0.0.1',
    port: Number(process.env.DB_PORT || 3306),
    user: process.env.DB_USER || 'seatguard',
    password: process.env.DB_PASSWORD || '',
    database: process.env.DB_NAME || 'seatguard',
  });
  try {
    const [rows] = await db.query('SELECT id FROM events WHERE name = ?', [NAME]);
    if (rows.length) return console.log(`[seatguard] demo event exists: id ${rows[0].id}`);
    const startsAt = new Date(Date.now() + 30 * 86400_000);
    const [result] = await db.query(
      "INSERT INTO events (name, starts_at, capacity, price_cents, strategy) VALUES (?, ?, 100, 4900, 'atomic')",
      [NAME, startsAt],
    );
    // Its Redis inventory is built from MySQL on the first booking (or at start-up).
    console.log(`[seatguard] demo event created: id ${result.insertId}, 100 seats`);
  } finally {
    await db.end();
  }
}

main().catch((error) => {
  console.error(`[seatguard] demo seed failed: ${error.message}`);
  process.exit(1);
});
