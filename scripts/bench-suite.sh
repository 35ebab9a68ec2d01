#!/usr/bin/env bash
# The measurements of docs/benchmarks.md ("mink-bench: the issue 15
# figures"), with mink-bench: for each store (memory, SQLite, PostgreSQL)
# the closed-loop maximum with both baselines, p99 at half that rate (open
# loop), 20 hot aggregates against 10 000; peak RSS after touching
# 1 000 000 aggregates with passivation on (PostgreSQL); the bank over
# HTTP. Writes every report (JSON and HTML) into OUT (default
# build/bench-suite) and prints each summary.
#   usage: scripts/bench-suite.sh [OUT]   (a throwaway PostgreSQL is started
#   unless MINK_TEST_PG and MINK_TEST_PG_URL are set)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/bench-suite}
seconds=${SECONDS_RUN:-10}
mkdir -p "$out"
cmake --build build -j2 --target mink_bench_app bank >/dev/null
source scripts/pg-throwaway.sh
[[ -n ${MINK_TEST_PG:-} ]] || { pg_throwaway_start; trap pg_throwaway_stop EXIT; }
B=build/apps/bench/mink-bench
rate_of() { /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(int(r['ok']/r['seconds']))" "$1"; }
run() { # name, mink-bench arguments...
  local name=$1; shift
  echo "== $name: mink-bench $*"
  "$B" "$@" -q --json "$out/$name.json" --html "$out/$name.html"
}
rm -f "$out"/s-*.db*
for schema in suite_write suite_half suite_hot suite_cold suite_http; do
  psql "$MINK_TEST_PG" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" 2>/dev/null
done
# Each run on a store of its own: a run on the events of the one before
# would first rehydrate its aggregates from them (the cold workload's
# subject, not these runs').
store_of() { # store, run
  case $1 in
    memory) echo "memory:" ;;
    sqlite) echo "sqlite:$out/s-$2.db" ;;
    postgres) echo "$MINK_TEST_PG_URL?schema=suite_$2" ;;
  esac
}
for s in memory sqlite postgres; do
  run "$s-write" run --store "$(store_of $s write)" -c 256 -d "$seconds" --warmup 2 --baselines
  half=$(( $(rate_of "$out/$s-write.json") / 2 ))
  run "$s-half" run --store "$(store_of $s half)" -c 1024 --rate "$half" -d "$seconds" --warmup 5
  run "$s-hot" run --store "$(store_of $s hot)" --workload hot -c 256 -d "$seconds" --warmup 2
done
run postgres-cold-1m run --store "$MINK_TEST_PG_URL?schema=suite_cold" --workload cold \
  --aggregates 1000000 --events-per-aggregate 0 --max-alive 1000 -c 256 -n 1000000 --warmup 0
# The bank over HTTP on PostgreSQL.
schema=suite_http
log=$(mktemp)
BANK_POSTGRES=$MINK_TEST_PG BANK_POSTGRES_SCHEMA=$schema BANK_PORT=0 BANK_LOG_LEVEL=warn \
  build/apps/bank/bank >"$log" 2>&1 &
bank=$!
trap 'kill $bank 2>/dev/null || true; pg_throwaway_stop 2>/dev/null || true' EXIT
for _ in $(seq 200); do grep -q listening "$log" && break; sleep 0.05; done
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)
run http-write http --url "$url" --aggregates 1000 -c 64 -d "$seconds" --warmup 2
half=$(( $(rate_of "$out/http-write.json") / 2 ))
run http-half http --url "$url" --aggregates 1000 -c 256 --rate "$half" -d "$seconds" --warmup 5
kill $bank; wait $bank 2>/dev/null || true
psql "$MINK_TEST_PG" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" 2>/dev/null || true
echo "reports in $out"
