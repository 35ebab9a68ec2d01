#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-14, ASan and UBSan
# (build-fuzz/, MINK_FUZZ=ON) and runs each for MINK_FUZZ_SECONDS (default
# 30) from its seed corpus, two targets at a time (MINK_FUZZ_JOBS; the
# machines this runs on have two cores): four targets take about 60-70 s.
# Findings go to build-fuzz/tests/fuzz/<target>-work/artifacts/. A long run
# of one target: build-fuzz/tests/fuzz/<target> -runs=N <scratch dir>
# tests/fuzz/corpus/<target>; scripts/fuzz-long.sh does the long runs of
# docs/reliability.md (UBSan only).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/phase.sh

seconds=${MINK_FUZZ_SECONDS:-30}
jobs=${MINK_FUZZ_JOBS:-2}
targets=(event_codec_fuzzer upcaster_fuzzer ndjson_fuzzer http_fuzzer)

configure_and_build() {
  cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINK_FUZZ=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
    -DMINK_SANITIZE=address,undefined -DMINK_BUILD_TESTS=OFF \
    -DMINK_BUILD_BENCHMARKS=OFF -DMINK_FUZZ_SECONDS="$seconds" \
    -DMINK_UNITY_BUILD=ON >/dev/null
  cmake --build build-fuzz -j"$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}"
}

run_fuzzers() {
  # The sanitizer options are the tests' own (mink_add_fuzzer).
  cd build-fuzz
  ctest --output-on-failure --no-tests=error -L fuzz -j"$jobs"
}

# MINK_FUZZ_STEP=build|run: only that step (default: both).
step=${MINK_FUZZ_STEP:-all}
if [[ $step != run ]]; then
  phase "fuzz: configure and build (build-fuzz/)" configure_and_build
fi
[[ $step != build ]] || exit 0
phase "fuzz: ${#targets[@]} targets, ${seconds} s each, ${jobs} at a time" run_fuzzers
