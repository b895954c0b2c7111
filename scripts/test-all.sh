#!/usr/bin/env bash
# npm run test:all: services up, a fresh test database, unit + e2e suites,
# and one closing line "N passed, N failed" computed from jest's JSON results.
source "$(dirname "$0")/lib.sh"

TEST_DB_NAME="${TEST_DB_NAME:-seatguard_test}"
export TEST_DB_NAME
RESULTS="$ROOT/.run/jest"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"

# The child-process suites and the bench smoke run use the production build.
prepare_fresh_database "$TEST_DB_NAME"
ensure_deploy_tools
ensure_load_balancer

status=0
log "unit tests (deployment checks included)"
npx jest --ci --json --outputFile="$RESULTS/unit.json" || status=1
log "e2e tests (real MySQL and Redis)"
npx jest -c test/jest-e2e.json --ci --runInBand --json --outputFile="$RESULTS/e2e.json" || status=1

node scripts/summarize-jest.js "$RESULTS"/*.json || status=1
exit $status
