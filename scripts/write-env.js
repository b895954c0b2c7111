// Creates .env from .env.example on first run, with a generated ADMIN_TOKEN and
// DB_PASSWORD. An existing .env is never overwritten.
//
// --compose-secrets: before `npm run up` starts MySQL and Redis with Docker
// Compose (scripts/lib.sh ensure_services), fills in the secrets that branch
// needs in the existing .env, keeping any already there: ADMIN_TOKEN and
// DB_PASSWORD if an older .env has none, MYSQL_ADMIN_PASSWORD
// (the container's root password) and a Redis password inside REDIS_URL
// (redis://:PASSWORD@host:port, the container's requirepass). Hex, so it is
// URL-safe (docker/compose.yml puts it into a URL).
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');

const secret = () => randomBytes(24).toString('base64url');

function writeFirstEnv() {
  if (existsSync('.env')) return;
  const text = readFileSync('.env.example', 'utf8')
    .replace(/^ADMIN_TOKEN=$/m, `ADMIN_TOKEN=${secret()}`)
    .replace(/^DB_PASSWORD=$/m, `DB_PASSWORD=${secret()}`);
  writeFileSync('.env', text, { mode: 0o600 });
  console.log('[seatguard] wrote .env (ADMIN_TOKEN and DB_PASSWORD generated)');
}

/** The .env text with `key` set to `value(current)`: the last line for it replaced, or a line added. */
function setValue(text, key, value) {
  const lines = text.split('\n');
  const at = lines.findLastIndex((line) => line.startsWith(`${key}=`));
  const current = at >= 0 ? lines[at].slice(key.length + 1) : '';
  const next = value(current);
  if (next === current) return text;
  if (at >= 0) lines[at] = `${key}=${next}`;
  else lines.splice(lines.at(-1) === '' ? -1 : lines.length, 0, `${key}=${next}`);
  return lines.join('\n');
}

/** REDIS_URL with a password: the one it has, else a generated one (the user name, if any, kept). */
function withRedisPassword(url) {
  const parsed = new URL(url || 'redis://127.0.0.1:6379');
  if (parsed.password) return url;
  parsed.password = randomBytes(24).toString('hex');
  return parsed.toString().replace(/\/$/, '');
}

function writeComposeSecrets() {
  writeFirstEnv();
  const before = readFileSync('.env', 'utf8');
  let text = setValue(before, 'ADMIN_TOKEN', (current) => current || secret());
  text = setValue(text, 'DB_PASSWORD', (current) => current || secret());
  text = setValue(text, 'MYSQL_ADMIN_PASSWORD', (current) => current || randomBytes(24).toString('hex'));
  text = setValue(text, 'REDIS_URL', withRedisPassword);
  if (text === before) return;
  writeFileSync('.env', text, { mode: 0o600 });
  console.log('[seatguard] .env: generated the secrets Docker Compose needs (MYSQL_ADMIN_PASSWORD, the password in REDIS_URL...)');
}

if (process.argv[2] === '--compose-secrets') writeComposeSecrets();
else writeFirstEnv();
