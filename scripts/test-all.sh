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
ensure_browser

# The primary run is on Node 24, the image's runtime (see ensure_node24 in lib.sh);
# the machine's own Node (the oldest line `engines` allows) gets a subset below.
MACHINE_NODE="$(node --version)" MACHINE_PATH="$PATH"
NODE24_BIN="$(ensure_node24)"
export PATH="$NODE24_BIN:$PATH"

status=0
log "unit tests (deployment checks included) on Node $(node --version)"
npx jest --ci --json --outputFile="$RESULTS/unit.json" || status=1
log "type check (swc runs the suites without checking types; counted as one test)"
node scripts/typecheck-result.js "$RESULTS/typecheck.json" || status=1
log "e2e tests (real MySQL and Redis)"
HTTP_ADAPTER=express npx jest -c test/jest-e2e.json --ci --runInBand --json --outputFile="$RESULTS/e2e.json" || status=1
# The suites that speak HTTP to the app, once more on the opt-in adapter: same assertions, same answers.
HTTP_SUITES=(
  test/api/events.e2e-spec.ts
  test/proofs/bookings-concurrency.e2e-spec.ts
  test/api/bad-input-and-abuse.e2e-spec.ts
  test/api/health-and-docs.e2e-spec.ts
  test/api/booking-ownership.e2e-spec.ts
  test/api/checkout.e2e-spec.ts
  test/api/http-metrics.e2e-spec.ts
  test/proofs/races-and-abuse/limbo.e2e-spec.ts
  test/proofs/races-and-abuse/cancel-and-waitlist.e2e-spec.ts
  test/api/request-tracing.e2e-spec.ts
  test/api/admin-keys.e2e-spec.ts
  test/api/tracing.e2e-spec.ts
  test/proofs/races-and-abuse/capacity-and-housekeeping.e2e-spec.ts
  test/api/waiting-room.e2e-spec.ts
  test/api/waiting-room-stream.e2e-spec.ts
  test/api/waiting-page.e2e-spec.ts
)
log "HTTP-facing e2e suites on Fastify (HTTP_ADAPTER=fastify)"
HTTP_ADAPTER=fastify npx jest -c test/jest-e2e.json --ci --runInBand --json --outputFile="$RESULTS/e2e-fastify.json" "${HTTP_SUITES[@]}" || status=1

# The machine's Node, when it is another major line: the unit tier and the proofs that
# run the production build as child processes (their process.execPath is this Node).
if [[ "${MACHINE_NODE%%.*}" != "$(node --version | cut -d. -f1)" ]]; then
  MACHINE_NODE_SUITES=(test/proofs/bookings-concurrency.e2e-spec.ts test/proofs/multi-instance.e2e-spec.ts)
  log "unit tests and ${#MACHINE_NODE_SUITES[@]} proof suites on the machine's Node $MACHINE_NODE"
  PATH="$MACHINE_PATH" npx jest --ci --json --outputFile="$RESULTS/unit-node-machine.json" || status=1
  PATH="$MACHINE_PATH" HTTP_ADAPTER=express npx jest -c test/jest-e2e.json --ci --runInBand --json \
    --outputFile="$RESULTS/e2e-node-machine.json" "${MACHINE_NODE_SUITES[@]}" || status=1
fi

node scripts/summarize-jest.js "$RESULTS"/*.json || status=1
exit $status
