#!/usr/bin/env bash
# npm run bench:opening-second: the waiting room's "opening second" (bench/opening-second.ts) on a fresh bench
# database, with and without the room. OPENING_BUYERS and OPENING_SEATS size it.
source "$(dirname "$0")/lib.sh"

export BENCH_DB_NAME="${BENCH_DB_NAME:-seatguard_bench}"
prepare_fresh_database "$BENCH_DB_NAME"
node dist/bench/opening-second.js "$@"
