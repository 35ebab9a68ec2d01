#!/usr/bin/env bash
# Runs every test of build/ (ctest -j2) with CPU hogs beside it, as a busy
# machine would: tests must wait for conditions, never hope for timing.
#   MINK_LOAD_HOGS=3   how many `yes > /dev/null` to run
# Uses MINK_TEST_PG when set, or starts a throwaway PostgreSQL. Extra
# arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-throwaway.sh
hogs=()
stop_all() {
  ((${#hogs[@]} == 0)) || kill "${hogs[@]}" 2>/dev/null || true
  [[ -z ${started_pg:-} ]] || pg_throwaway_stop
}
trap stop_all EXIT
if [[ -z ${MINK_TEST_PG:-} ]]; then
  pg_throwaway_start
  started_pg=1
fi
for ((i = 0; i < ${MINK_LOAD_HOGS:-3}; i++)); do
  yes >/dev/null &
  hogs+=($!)
done
start=$EPOCHREALTIME
rc=0
(cd build && ctest --output-on-failure --timeout 900 -j2 "$@") || rc=$?
awk -v a="$start" -v b="$EPOCHREALTIME" -v n="${#hogs[@]}" \
  'BEGIN { printf "[time] tests beside %d CPU hogs: %.1f s\n", n, b - a }'
exit "$rc"
