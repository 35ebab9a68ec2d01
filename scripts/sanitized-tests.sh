#!/usr/bin/env bash
# Builds the unit, actor and conformance tests (memory, SQLite, PostgreSQL)
# with sanitizers in a build directory of their own and runs them, the
# suites in parallel (each PostgreSQL test case has a schema of its own).
#   scripts/sanitized-tests.sh asan   # AddressSanitizer + UBSan, build-asan/
#   scripts/sanitized-tests.sh tsan   # ThreadSanitizer, build-tsan/
#   MINK_SANITIZED_STEP=build|run     only that step (default: both)
# Uses MINK_TEST_PG when set, or starts a throwaway PostgreSQL. Extra
# arguments go to ctest. Suppressions: tests/sanitizers/*.supp (each entry
# says why). Prints the time of each phase (scripts/phase.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/phase.sh

kind=${1:?usage: scripts/sanitized-tests.sh asan|tsan [ctest args...]}
shift
case $kind in
  asan) sanitize=address,undefined ;;
  tsan) sanitize=thread ;;
  *) echo "unknown kind '$kind': asan or tsan" >&2; exit 2 ;;
esac
dir=build-$kind
targets=(mink_unit_tests mink_actor_tests conformance_memory
         conformance_sqlite conformance_postgres)
supp=$root/tests/sanitizers

configure_and_build() {
  # -O1 and line tables only: about the build time of -O0, faster tests,
  # stack traces with file and line.
  # The libraries in unity batches: this build compiles each file once.
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
    -DMINK_SANITIZE=$sanitize -DMINK_BUILD_BENCHMARKS=OFF -DMINK_UNITY_BUILD=ON >/dev/null
  cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}"
}

run_suites() {
  # halt_on_error: the first report fails the test. UBSan's checks are
  # built with -fno-sanitize-recover (cmake/MinkSanitizers.cmake), so
  # halt_on_error is belt and braces there.
  export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:${ASAN_OPTIONS:-}"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp:${UBSAN_OPTIONS:-}"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$supp/tsan.supp:${TSAN_OPTIONS:-}"
  local regex
  regex="^($(IFS='|'; echo "${targets[*]}"))\$"
  cd "$dir"
  ctest --output-on-failure --no-tests=error --timeout 900 -j2 -R "$regex" "$@"
}

step=${MINK_SANITIZED_STEP:-all}
if [[ $step != run ]]; then
  phase "$kind: configure and build ($dir/)" configure_and_build
fi
[[ $step != build ]] || exit 0
if [[ -z ${MINK_TEST_PG:-} ]]; then
  source scripts/pg-throwaway.sh
  trap pg_throwaway_stop EXIT
  pg_throwaway_start
fi
phase "$kind: unit, actor, conformance" run_suites "$@"
