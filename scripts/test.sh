#!/usr/bin/env bash
# Quick start (2): install what is missing, build, start a throwaway
# PostgreSQL on loopback, run every test, stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
source scripts/pg-throwaway.sh
trap pg_throwaway_stop EXIT
pg_throwaway_start
cd build
ctest --output-on-failure --timeout 600 -j2 "$@"
