#!/usr/bin/env bash
# Deposits over the bank's HTTP API: the most it takes with wrk (closed
# loop, fresh Idempotency-Key per request), then the latency at half that
# rate with build/benchmarks/http_rate (open loop), beside the in-process
# command benchmark at the same number of commands in flight, in the same
# run, on a throwaway PostgreSQL (or MINK_TEST_PG). Needs `wrk` (Debian) and
# a build (scripts/setup.sh).
#   CONNECTIONS (256), SECONDS_RUN (15), ACCOUNTS (1000),
#   COMMANDS (100000, in process), RATE (half of wrk's, for http_rate),
#   TRANSFERS (1: also transfers over HTTP, timed until the saga and every
#   read model have caught up; 0: skip),
#   BANK_BIN (build/apps/bank/bank: another build's bank, for a baseline)
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${CONNECTIONS:-256}
seconds=${SECONDS_RUN:-15}
export ACCOUNTS=${ACCOUNTS:-1000}
commands=${COMMANDS:-100000}
bank_bin=${BANK_BIN:-build/apps/bank/bank}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
cmake --build build -j2 --target bank http_rate command_bench >/dev/null
source scripts/pg-throwaway.sh
[[ -n ${MINK_TEST_PG:-} ]] || { pg_throwaway_start; trap pg_throwaway_stop EXIT; }
schema=bank_http_bench_$$
out=$(mktemp)
BANK_POSTGRES=$MINK_TEST_PG BANK_POSTGRES_SCHEMA=$schema BANK_PORT=0 \
  BANK_LOG_LEVEL=warn "$bank_bin" >"$out" 2>&1 &
bank=$!
cleanup_bank() {
  kill "$bank" 2>/dev/null || true
  wait "$bank" 2>/dev/null || true
  psql "$MINK_TEST_PG" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
}
trap 'cleanup_bank; pg_throwaway_stop 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$out" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$out" | head -1)
url=http://127.0.0.1:$port
echo "bank on $url, opening $ACCOUNTS accounts"
for ((i = 0; i < ACCOUNTS; i++)); do
  ((i == 0)) || echo "next"
  echo "url = \"$url/accounts\""
  echo "data = \"{\\\"owner\\\":\\\"o\\\",\\\"id\\\":\\\"acc$i\\\"}\""
  echo "header = \"Content-Type: application/json\""
  echo "output = /dev/null"
done >"$out.curl"
curl -s -K "$out.curl"
curl -s "$url/accounts/acc$((ACCOUNTS - 1))"; echo
echo "== HTTP: wrk -t2 -c$connections -d${seconds}s (deposits)"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s benchmarks/http/bank.lua "$url" | tee "$out.wrk"
max=$(sed -n 's/^Requests\/sec: *\([0-9]*\).*/\1/p' "$out.wrk")
rate=${RATE:-$((max / 2))}
echo "== HTTP: http_rate --rate $rate (open loop, half of wrk's $max/s)"
build/benchmarks/http_rate --url "$url" --rate "$rate" --seconds "$seconds" \
  --connections "$connections" --keys "$ACCOUNTS" \
  --path '/accounts/acc{k}/deposit' --body '{"amount":1}' \
  || echo "(http_rate counted connection errors: see above)"
if [[ ${TRANSFERS:-1} != 0 ]]; then
  echo "== HTTP: transfers, wrk -t2 -c$connections -d${seconds}s, then until caught up"
  start=$(date +%s.%N)
  WORKLOAD=transfer wrk -t2 -c"$connections" -d"${seconds}s" --latency \
    -s benchmarks/http/bank.lua "$url" | tee "$out.wrk"
  posted=$(date +%s.%N)
  # Caught up: every projection (the read models and the saga) at lag 0 in
  # two scrapes a tenth of a second apart; at most 10 minutes.
  calm=0
  for _ in $(seq 6000); do
    lag=$(curl -s "$url/metrics" | awk '/^mink_projection_lag_events\{/ {s += $2} END {print s + 0}')
    if [[ $lag == 0 ]]; then calm=$((calm + 1)); else calm=0; fi
    ((calm >= 2)) && break
    sleep 0.1
  done
  ((calm >= 2)) || { echo "the projections did not catch up in 10 minutes" >&2; exit 1; }
  done_at=$(date +%s.%N)
  accepted=$(sed -n 's/^status 202: //p' "$out.wrk")
  curl -s "$url/metrics" | grep '^mink_saga_[a-z]*_total' || true
  awk -v n="${accepted:-0}" -v a="$start" -v b="$posted" -v c="$done_at" 'BEGIN {
    printf "transfers: %d accepted in %.1f s; all done %.1f s after the first: %.0f completed/s\n",
      n, b - a, c - a, n / (c - a) }'
fi
cleanup_bank
echo "== in process: command_bench --commands $commands"
build/benchmarks/command_bench --pg "$MINK_TEST_PG" --commands "$commands" \
  --in-flight "$connections" --aggregates "$ACCOUNTS"
rm -f "$out" "$out.curl" "$out.wrk"
