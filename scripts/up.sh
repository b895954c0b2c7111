#!/usr/bin/env bash
# npm run up: everything a newcomer needs, then the API in the foreground (Ctrl-C stops it).
source "$(dirname "$0")/lib.sh"

ensure_dependencies
ensure_env_file
ensure_services
log "creating database and application user"
node scripts/setup-database.js
log "building"
npm run --silent build
log "running migrations"
npm run --silent migration:run
node scripts/seed-demo.js
log "admin token: ADMIN_TOKEN in $ROOT/.env"
exec node dist/src/main.js
