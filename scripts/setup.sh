#!/usr/bin/env bash
# Installs the Debian packages mink needs that are missing, then configures
# and builds. Usage: scripts/setup.sh [build|test] [cmake targets...]
#   build: what the library, apps and benchmarks need (the default)
#   test:  also PostgreSQL 15, for the test suite
#   docs:  doxygen, then only the API reference (build/docs/api/html)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/phase.sh

profile=${1:-build}
shift || true

packages=(g++ cmake make libcaf-dev libsoci-dev libsoci-postgresql4.0
          libsoci-sqlite3-4.0 rapidjson-dev libboost-test-dev libpq-dev
          libsqlite3-dev libcli11-dev libspdlog-dev libcpp-httplib-dev
          libjemalloc-dev prometheus-cpp-dev)
if [[ $profile == docs ]]; then
  packages+=(doxygen)
  set -- mink_docs
fi
if [[ $profile == test ]]; then
  # clang-14 and its runtimes: the libFuzzer targets (scripts/fuzz.sh);
  # rapidcheck: the model-based test (tests/reliability/model_test.cpp);
  # chromium, its driver and python3-selenium: the pages in a browser
  # (tests/bench/mink_bench_tool_test.py); prometheus: its promtool checks
  # docs/monitoring/mink-alerts.yml (on a machine with systemd the package
  # also starts a Prometheus server on :9090); sqlite3: the SQLite backup
  # test (tests/bank/http_backup_test.cpp).
  packages+=(postgresql-15 clang-14 libclang-rt-14-dev libfuzzer-14-dev
             librapidcheck-dev chromium chromium-driver python3-selenium
             prometheus sqlite3)
fi

install_missing() {
  local missing=()
  local p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build_main() {
  # The test profile builds only the benchmark programs its tests run.
  local all_benchmarks=ON
  [[ $profile == test ]] && all_benchmarks=OFF
  # CI builds once from a clean clone: the libraries in unity batches, as
  # the sanitizer and fuzz builds do (an incremental build at a desk would
  # recompile a batch per change, so it stays off there).
  local unity=OFF
  [[ ${CI:-} == true ]] && unity=ON
  # -g1 (line tables): stack traces keep file and line, and the template-
  # heavy actor code compiles a third faster than with full -g (for a
  # debugger session, configure a Debug build of your own).
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DMINK_BUILD_ALL_BENCHMARKS=$all_benchmarks -DMINK_UNITY_BUILD=$unity >/dev/null
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  if (($#)); then
    cmake --build build -j"$jobs" --target "$@"
  else
    cmake --build build -j"$jobs"
  fi
}

phase install install_missing
phase "build (build/)" build_main "$@"
