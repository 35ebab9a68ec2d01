#!/usr/bin/env bash
# Long fuzz runs (docs/reliability.md, "Fuzzing"): builds the libFuzzer
# targets in build-fuzz-long/ like scripts/fuzz.sh but with UBSan only
# (MINK_SANITIZE=undefined, no ASan: several times faster), then runs the
# given targets (default: all four), MINK_FUZZ_JOBS (default 2) at a time,
# each for MINK_FUZZ_RUNS executions (default 10 000 000) under nice -n 19,
# inputs of at most 2048 bytes (4096 for http_fuzzer). Each target's log,
# with libFuzzer's final stats, is build-fuzz-long/<target>.log; findings
# go to build-fuzz-long/<target>-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${MINK_FUZZ_RUNS:-10000000}
jobs=${MINK_FUZZ_JOBS:-2}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(event_codec_fuzzer upcaster_fuzzer ndjson_fuzzer http_fuzzer)
fi

cmake -S . -B build-fuzz-long -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINK_FUZZ=ON \
  -DMINK_SANITIZE=undefined -DMINK_BUILD_TESTS=OFF \
  -DMINK_BUILD_BENCHMARKS=OFF >/dev/null
nice -n 5 cmake --build build-fuzz-long -j2 --target "${targets[@]}"

run_one() {
  local t=$1 max_len=2048 out=build-fuzz-long
  [ "$t" = http_fuzzer ] && max_len=4096
  mkdir -p "$out/$t-corpus" "$out/$t-artifacts"
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/sanitizers/ubsan.supp" \
    /usr/bin/time -f "$t: wall %e s" \
    nice -n 19 "$out/tests/fuzz/$t" -runs="$runs" -max_len="$max_len" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/$t-artifacts/" \
      "$out/$t-corpus" "tests/fuzz/corpus/$t" >"$out/$t.log" 2>&1
}

status=0
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  pids=()
  for t in "${targets[@]:i:jobs}"; do
    run_one "$t" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do
    wait "$p" || status=1
  done
done
for t in "${targets[@]}"; do
  grep -h "stat::number_of_executed_units\|wall" "build-fuzz-long/$t.log" || true
done
exit $status
