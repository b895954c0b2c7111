#!/usr/bin/env bash
# npm run bench [-- options]: services up, a fresh bench database, the
# production build, then bench/run-bench (see `npm run bench -- --help`).
source "$(dirname "$0")/lib.sh"

export BENCH_DB_NAME="${BENCH_DB_NAME:-seatguard_bench}"
ensure_dependencies
ensure_env_file
ensure_services
log "fresh bench database $BENCH_DB_NAME"
node scripts/setup-database.js --fresh "$BENCH_DB_NAME"
log "building the production bundle"
npm run --silent build
DB_NAME="$BENCH_DB_NAME" npm run --silent migration:run >/dev/null
node dist/bench/run-bench.js "$@"
