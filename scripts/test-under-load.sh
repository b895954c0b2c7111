#!/usr/bin/env bash
# npm run test:under-load: the whole suite (npm run test:all) RUNS times in a row while a CPU hog
# keeps one core busy beside it, to show the suite's waits hold on a busy machine (issue 21).
# Each run's closing "N passed, N failed" line and wall time are printed; it fails on the first failing run.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .run
RUNS="${RUNS:-3}"
HOGS="${HOGS:-1}"
hogs=()
stop_hogs() { for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done; }
trap stop_hogs EXIT
for ((h = 0; h < HOGS; h++)); do
  node -e 'for (;;) {}' &
  hogs+=("$!")
done
echo "[under-load] $HOGS CPU hog(s) running: ${hogs[*]}; $RUNS runs of npm run test:all"
for ((run = 1; run <= RUNS; run++)); do
  started=$(date +%s)
  npm run test:all > ".run/under-load-$run.log" 2>&1
  status=$?
  took=$(( $(date +%s) - started ))
  echo "[under-load] run $run: $(tail -n 1 ".run/under-load-$run.log") in ${took}s (exit $status, load $(cut -d' ' -f1-3 /proc/loadavg))"
  if [[ $status -ne 0 ]]; then
    echo "[under-load] run $run failed; its log is .run/under-load-$run.log"
    exit 1
  fi
done
