#!/usr/bin/env bash
# npm run test:all: services up, a fresh test database, unit + e2e suites,
# the HTTP-facing e2e suites a second time on HTTP_ADAPTER=fastify, and one
# closing line "N passed, N failed" computed from every jest JSON result file.
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
log "type check (swc runs the suites without checking types; counted as one test)"
node scripts/typecheck-result.js "$RESULTS/typecheck.json" || status=1
log "e2e tests (real MySQL and Redis)"
HTTP_ADAPTER=express npx jest -c test/jest-e2e.json --ci --runInBand --json --outputFile="$RESULTS/e2e.json" || status=1
# The suites that speak HTTP to the app, once more on the opt-in adapter: same assertions, same answers.
HTTP_SUITES=(
  test/events.e2e-spec.ts
  test/bookings-concurrency.e2e-spec.ts
  test/bad-input-and-abuse.e2e-spec.ts
  test/health-and-docs.e2e-spec.ts
  test/booking-ownership.e2e-spec.ts
  test/checkout.e2e-spec.ts
  test/http-metrics.e2e-spec.ts
  test/races-and-abuse/cancel-and-waitlist.e2e-spec.ts
  test/request-tracing.e2e-spec.ts
  test/admin-keys.e2e-spec.ts
  test/tracing.e2e-spec.ts
)
log "HTTP-facing e2e suites on Fastify (HTTP_ADAPTER=fastify)"
HTTP_ADAPTER=fastify npx jest -c test/jest-e2e.json --ci --runInBand --json --outputFile="$RESULTS/e2e-fastify.json" "${HTTP_SUITES[@]}" || status=1

node scripts/summarize-jest.js "$RESULTS"/*.json || status=1
exit $status
