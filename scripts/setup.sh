#!/usr/bin/env bash
# Installs the Debian packages mink needs that are missing, then configures
# and builds. Usage: scripts/setup.sh [build|test] [cmake targets...]
#   build: what the library, apps and benchmarks need (the default)
#   test:  also PostgreSQL 15, for the test suite
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${1:-build}
shift || true

packages=(g++ cmake make libcaf-dev libsoci-dev libsoci-postgresql4.0
          libsoci-sqlite3-4.0 rapidjson-dev libboost-test-dev libpq-dev
          libsqlite3-dev libcli11-dev libspdlog-dev libcpp-httplib-dev
          libjemalloc-dev)
if [[ $profile == test ]]; then
  packages+=(postgresql-15)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
jobs=$(nproc 2>/dev/null || echo 2)
if (($#)); then
  cmake --build build -j"$jobs" --target "$@"
else
  cmake --build build -j"$jobs"
fi
