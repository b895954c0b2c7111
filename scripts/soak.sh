#!/usr/bin/env bash
# npm run soak [-- options]: services up, a fresh soak database, the production
# build, then bench/soak (see `npm run soak -- --help`). Not part of test:all.
source "$(dirname "$0")/lib.sh"

export BENCH_DB_NAME="${SOAK_DB_NAME:-seatguard_soak}"
prepare_fresh_database "$BENCH_DB_NAME"
node dist/bench/soak.js "$@"
