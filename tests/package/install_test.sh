#!/usr/bin/env bash
# The installed package works for a project outside mink: installs the
# build tree BUILD into a temporary prefix, configures and builds
# tests/package/consumer (find_package(mink CONFIG REQUIRED COMPONENTS
# actors sqlite)) against it, runs it on a SQLite store, and checks that it
# links neither libpq nor SOCI's PostgreSQL backend, and that a PostgreSQL
# URL gets an error naming the component it lacks; and that `mink init`
# writes a project that builds and passes its tests against it; and that
# the mink::bench example (apps/examples/bench_counter.cpp) builds and runs
# against it.
#   usage: install_test.sh BUILD [CXX]
set -euo pipefail
build=$(cd "$1" && pwd)
cxx=${2:-c++}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/mink-package.XXXXXX)
trap 'rm -rf "$work"' EXIT

step() { echo "== $*"; }
die() { echo "FAIL: $*" >&2; exit 1; }

step "cmake --install into $work/prefix"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" \
  || { cat "$work/install.log"; die "cmake --install failed"; }
for f in include/mink/version.hpp include/mink/adapters/open_stores.hpp \
         include/mink/adapters/sqlite/sqlite_adapter.hpp \
         include/mink/actors/router.hpp lib/cmake/mink/minkConfig.cmake \
         lib/cmake/mink/minkConfigVersion.cmake; do
  [[ -f $work/prefix/$f ]] || die "not installed: $f"
done
if find "$work/prefix/include" -name '*.cpp' | grep -q .; then
  die "sources installed as headers"
fi

step "configure and build the outside project"
cmake -S "$here/consumer" -B "$work/consumer" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$work/prefix" \
  >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; die "configure failed"; }
cmake --build "$work/consumer" -j2 >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; die "build failed"; }
grep -i "warning" "$work/build.log" && die "the build warned"

step "run it on SQLite"
out=$("$work/consumer/counter" "sqlite:$work/counter.db") \
  || die "counter failed: $out"
echo "$out"
[[ $out == *"total 6 in 3 events"* ]] || die "unexpected output: $out"
[[ $out == *"storage: 3 events, 2 parts, "* ]] || die "unexpected storage: $out"

step "what it links"
libs=$(ldd "$work/consumer/counter")
grep -q "libsoci_sqlite3" <<<"$libs" || die "does not link SOCI's SQLite backend"
if grep -E "libpq|libsoci_postgresql" <<<"$libs"; then
  die "a SQLite-only program links PostgreSQL's client"
fi
echo "no libpq, no libsoci_postgresql"

step "a PostgreSQL URL without mink::postgres"
if err=$("$work/consumer/counter" "postgresql://nobody@127.0.0.1/none" 2>&1); then
  die "opened a PostgreSQL URL without the adapter"
fi
echo "$err"
[[ $err == *"not linked with mink::postgres"* ]] || die "unclear error: $err"

step "the service component: metrics on prometheus-cpp"
mkdir -p "$work/kit"
cat >"$work/kit/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(kit LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(mink CONFIG REQUIRED COMPONENTS service)
add_executable(kit main.cpp)
target_link_libraries(kit PRIVATE mink::service)
CMAKE
cat >"$work/kit/main.cpp" <<'CPP'
#include <iostream>
#include "mink/service/service_config.hpp"
#include "mink/service/service_metrics.hpp"
int main() {
  mink::service_config cfg;
  if (auto err = mink::set_option(cfg, "port", "9000"))
    return 1;
  mink::service_metrics m;
  m.observe_request("GET /x", 200, 0.001);
  std::cout << "port " << cfg.port << "\n" << m.render();
}
CPP
cmake -S "$work/kit" -B "$work/kit/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/kit.log" 2>&1 \
  && cmake --build "$work/kit/build" >>"$work/kit.log" 2>&1 \
  || { cat "$work/kit.log"; die "a project with mink::service did not build"; }
out=$("$work/kit/build/kit") || die "the kit program failed: $out"
[[ $out == *"port 9000"* && $out == *'mink_http_requests_total{route="GET /x",status="200"} 1'* ]] \
  || die "unexpected output: $out"
echo "port 9000 and mink_http_requests_total from an installed mink::service"

step "the bench component: the example of apps/examples built outside"
mkdir -p "$work/bench"
cp "$here/../../apps/examples/bench_counter.cpp" "$work/bench/main.cpp"
cat >"$work/bench/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(bench_counter LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(mink CONFIG REQUIRED COMPONENTS bench sqlite)
add_executable(bench_counter main.cpp)
target_link_libraries(bench_counter PRIVATE mink::bench mink::sqlite)
CMAKE
cmake -S "$work/bench" -B "$work/bench/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release >"$work/bench.log" 2>&1 \
  && cmake --build "$work/bench/build" -j2 >>"$work/bench.log" 2>&1 \
  || { cat "$work/bench.log"; die "a project with mink::bench did not build"; }
out=$("$work/bench/build/bench_counter" "sqlite:$work/bench/counters.db" 1) \
  || die "the bench program failed: $out"
[[ $out == *"throughput"* && $out == *"latency p99.9"* ]] || die "no summary: $out"
[[ -s $work/bench/counters.db.json && -s $work/bench/counters.db.html ]] \
  || die "no report files beside the database"
grep -q '"format": "mink-bench-report/1"' "$work/bench/counters.db.json" \
  || die "the JSON report has no format"
echo "$out" | grep -E "operations|throughput"

step "mink init: a new project, configured, built and tested"
"$build/apps/cli/mink" init "$work/init/tally-app" >"$work/init.log" \
  || { cat "$work/init.log"; die "mink init failed"; }
if "$build/apps/cli/mink" init "$work/init/tally-app" >/dev/null 2>&1; then
  die "mink init wrote over a project"
fi
cmake -S "$work/init/tally-app" -B "$work/init/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$work/prefix" \
  >"$work/init-build.log" 2>&1 \
  && cmake --build "$work/init/build" -j2 >>"$work/init-build.log" 2>&1 \
  || { cat "$work/init-build.log"; die "the project of mink init did not build"; }
grep -i "warning" "$work/init-build.log" && die "the project of mink init warned"
(cd "$work/init/build" && ctest --output-on-failure) >"$work/init-test.log" 2>&1 \
  || { cat "$work/init-test.log"; die "the tests of the project of mink init failed"; }
grep -q "100% tests passed" "$work/init-test.log" || die "no test result"
out=$(cd "$work/init" && ./build/tally_app "sqlite:$work/init/tally.db") \
  || die "the program of mink init failed: $out"
[[ $out == *"total 5"* ]] || die "unexpected output: $out"
echo "mink init: built, 1 test program passed, $out"

step "an unknown component"
mkdir -p "$work/bad"
cat >"$work/bad/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(bad LANGUAGES CXX)
find_package(mink CONFIG REQUIRED COMPONENTS sqlite oracle)
CMAKE
if cmake -S "$work/bad" -B "$work/bad/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
     >"$work/bad.log" 2>&1; then
  die "an unknown component was accepted"
fi
grep -q "mink has no component 'oracle'" "$work/bad.log" \
  || { cat "$work/bad.log"; die "unclear error for an unknown component"; }
echo "refused: mink has no component 'oracle'"
echo "PASS"
