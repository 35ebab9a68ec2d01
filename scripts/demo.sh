#!/usr/bin/env bash
# Quick start (1): install what is missing, build, and run the reference
# service (apps/bank) on the embedded SQLite store under ./data/: it starts
# on a free port of 127.0.0.1, drives a short scenario against itself over
# HTTP, prints each request and answer, and stops. No server needed.
# `scripts/demo.sh example` runs the event store example instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} == example ]]; then
  shift
  scripts/setup.sh build mink_example
  exec ./build/apps/mink_example --db ./data/mink.db "$@"
fi
scripts/setup.sh build bank
exec ./build/apps/bank/bank --demo "$@"
