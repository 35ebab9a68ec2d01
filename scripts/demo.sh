#!/usr/bin/env bash
# Quick start (1): install what is missing, build, and run the example on the
# embedded SQLite store under ./data/. No server needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build mink_example
exec ./build/apps/mink_example --db ./data/mink.db "$@"
