// Creates .env from .env.example on first run, with a generated ADMIN_TOKEN and
// DB_PASSWORD. An existing .env is never overwritten.
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');

if (existsSync('.env')) process.exit(0);
const secret = () => randomBytes(24).toString('base64url');
const text = readFileSync('.env.example', 'utf8')
  .replace(/^ADMIN_TOKEN=$/m, `ADMIN_TOKEN=${secret()}`)
  .replace(/^DB_PASSWORD=$/m, `DB_PASSWORD=${secret()}`);
writeFileSync('.env', text, { mode: 0o600 });
console.log('[seatguard] wrote .env (ADMIN_TOKEN and DB_PASSWORD generated)');
