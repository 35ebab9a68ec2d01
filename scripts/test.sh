#!/usr/bin/env bash
# Quick start (2): install what is missing, build, start a throwaway
# PostgreSQL on loopback, run every test, stop the server. Then the unit,
# actor and conformance tests again under ASan+UBSan (build-asan/, built at
# a lower priority while the first tests run: they wait on PostgreSQL and on
# processes much of the time), and each libFuzzer target for 30 s
# (build-fuzz/, built while the sanitized tests run). Prints the time of each phase, and all of them again at
# the end. Arguments go to the first ctest run.
#   MINK_TEST_SANITIZERS=0  skips the ASan+UBSan and fuzzing phases
#   MINK_FUZZ_SECONDS=N     runs each fuzz target N s (default 20 here, to
#                           keep the whole run under 30 minutes on 2 cores;
#                           scripts/fuzz.sh alone runs 30 s)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/phase.sh
MINK_PHASE_LOG=$(mktemp /tmp/mink-phases.XXXXXX)
export MINK_PHASE_LOG
start=$EPOCHREALTIME

background=()
summary() {
  local rc=$?
  # Each background job leads a process group of its own (setsid).
  local pid
  for pid in "${background[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  pg_throwaway_stop
  echo "== phases"
  cat "$MINK_PHASE_LOG"
  awk -v a="$start" -v b="$EPOCHREALTIME" \
    'BEGIN { printf "[time] %-34s %7.1f s\n", "total:", b - a }'
  rm -f "$MINK_PHASE_LOG"
  return "$rc"
}

source scripts/pg-throwaway.sh
trap summary EXIT
scripts/setup.sh test
pg_throwaway_start

all_tests() {
  cd build
  ctest --output-on-failure --timeout 600 -j2 "$@"
}
sanitizers=${MINK_TEST_SANITIZERS:-1}
export MINK_FUZZ_SECONDS=${MINK_FUZZ_SECONDS:-20}
asan_log=$(mktemp /tmp/mink-asan-build.XXXXXX)
if [[ $sanitizers != 0 ]]; then
  MINK_SANITIZED_STEP=build setsid nice -n 10 scripts/sanitized-tests.sh asan \
    >"$asan_log" 2>&1 &
  background+=($!)
fi
phase "tests (build/)" all_tests "$@"

if [[ $sanitizers != 0 ]]; then
  echo "== ASan+UBSan build (ran beside the tests above)"
  if ! wait "${background[0]}"; then
    cat "$asan_log"
    exit 1
  fi
  background=()
  tail -n 3 "$asan_log"
  # The fuzz targets build while the sanitized tests run (they wait on
  # PostgreSQL much of the time).
  fuzz_log=$(mktemp /tmp/mink-fuzz-build.XXXXXX)
  MINK_FUZZ_STEP=build setsid nice -n 10 scripts/fuzz.sh >"$fuzz_log" 2>&1 &
  background+=($!)
  MINK_SANITIZED_STEP=run scripts/sanitized-tests.sh asan
  echo "== fuzz build (ran beside the sanitized tests above)"
  if ! wait "${background[0]}"; then
    cat "$fuzz_log"
    exit 1
  fi
  background=()
  tail -n 2 "$fuzz_log"
  rm -f "$fuzz_log"
  MINK_FUZZ_STEP=run scripts/fuzz.sh
fi
rm -f "$asan_log"
