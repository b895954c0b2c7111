#!/usr/bin/env bash
# npm run bench [-- options]: services up, a fresh bench database, the
# production build, then bench/run-bench (see `npm run bench -- --help`).
source "$(dirname "$0")/lib.sh"

export BENCH_DB_NAME="${BENCH_DB_NAME:-seatguard_bench}"
prepare_fresh_database "$BENCH_DB_NAME"
ensure_load_balancer
node dist/bench/run-bench.js "$@"
