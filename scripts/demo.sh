#!/usr/bin/env bash
# Quick start (1): install what is missing, build, and run the reference
# service (apps/bank) on the embedded SQLite store under ./data/: it starts
# on a free port of 127.0.0.1, drives a short scenario against itself over
# HTTP, prints each request and answer, and stops. No server needed.
# `scripts/demo.sh example NAME` runs example NAME of apps/examples/
# instead (accounts, read_model, saga_timeout, store_tour).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} == example ]]; then
  name=${2:-store_tour}
  shift $(( $# < 2 ? $# : 2 ))
  scripts/setup.sh build "example_$name"
  exec "./build/apps/examples/example_$name" "$@"
fi
scripts/setup.sh build bank
exec ./build/apps/bank/bank --demo "$@"
