#!/usr/bin/env bash
# Quick start (2): install what is missing, build, start a throwaway
# PostgreSQL on loopback, run every test, stop the server. Then the unit,
# actor and conformance tests again under ASan+UBSan (build-asan/), and each
# libFuzzer target for 30 s (build-fuzz/). Prints the time of each phase,
# and all of them again at the end. Arguments go to the first ctest run.
#   MINK_TEST_SANITIZERS=0  skips the ASan+UBSan and fuzzing phases
#   MINK_FUZZ_SECONDS=N     runs each fuzz target N s (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/phase.sh
MINK_PHASE_LOG=$(mktemp /tmp/mink-phases.XXXXXX)
export MINK_PHASE_LOG
start=$EPOCHREALTIME

summary() {
  local rc=$?
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
phase "tests (build/)" all_tests "$@"

if [[ ${MINK_TEST_SANITIZERS:-1} != 0 ]]; then
  scripts/sanitized-tests.sh asan
  scripts/fuzz.sh
fi
