#!/usr/bin/env bash
# Deposits over HTTP against 1, 2 and 3 bank nodes clustered on one
# PostgreSQL (docs/scaling.md), beside an unclustered bank, in one run. For
# each cluster size N: N nodes on a schema of their own; wrk sends every
# request to node 1 (so about (N-1)/N of them are forwarded to their
# owner), then the same load split over the nodes (one wrk per node, the
# connections shared out). Prints requests/s, p50/p99 and the share of
# commands forwarded. Needs `wrk` (Debian) and a build (scripts/setup.sh).
#   NODES ("1 2 3"), CONNECTIONS (256), SECONDS_RUN (10), ACCOUNTS (1000),
#   SLICES (1024)
set -euo pipefail
cd "$(dirname "$0")/.."
nodes_list=${NODES:-1 2 3}
connections=${CONNECTIONS:-256}
seconds=${SECONDS_RUN:-10}
export ACCOUNTS=${ACCOUNTS:-1000}
slices=${SLICES:-1024}
bank_bin=build/apps/bank/bank
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
cmake --build build -j2 --target bank >/dev/null
source scripts/pg-throwaway.sh
[[ -n ${MINK_TEST_PG:-} ]] || { pg_throwaway_start; trap pg_throwaway_stop EXIT; }
pids=()
schemas=()
ports=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for s in "${schemas[@]}"; do
    psql "$MINK_TEST_PG" -qc "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true
  done
  pids=()
  schemas=()
  ports=()
}
trap 'cleanup; pg_throwaway_stop 2>/dev/null || true' EXIT

# start_node SCHEMA [NODE_ID]: a bank on SCHEMA (clustered when NODE_ID is
# given); appends its port to `ports`.
start_node() {
  local out
  out=$(mktemp)
  local cluster=()
  if [[ -n ${2:-} ]]; then
    cluster=(BANK_NODE_ID="$2" BANK_NODE_ADDRESS=127.0.0.1:0
             BANK_CLUSTER_SLICES="$slices")
  fi
  env BANK_POSTGRES="$MINK_TEST_PG" BANK_POSTGRES_SCHEMA="$1" BANK_PORT=0 \
    BANK_LOG_LEVEL=error BANK_THREADS=2 "${cluster[@]}" "$bank_bin" >"$out" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q listening "$out" && break; sleep 0.1; done
  ports+=("$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$out" | head -1)")
}

metric() { # PORT NAME: the unlabelled sample NAME, 0 when absent
  curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n {print $2; f = 1} END {if (!f) print 0}'
}

# Waits until the nodes own every slice between them, each some.
wait_settled() {
  for _ in $(seq 300); do
    local sum=0 each=1
    for p in "${ports[@]}"; do
      local n
      n=$(metric "$p" mink_cluster_slices_owned | cut -d. -f1)
      sum=$((sum + n))
      ((n > 0)) || each=0
    done
    ((sum == slices && each == 1)) && return 0
    sleep 0.1
  done
  echo "the nodes did not share the slices in 30 s" >&2
  exit 1
}

open_accounts() { # PORT: acc0.. acc<ACCOUNTS-1>, again while a slice moves
  local opened=0
  for ((i = 0; i < ACCOUNTS; i++)); do
    for _ in $(seq 200); do
      code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "{\"owner\":\"o\",\"id\":\"acc$i\"}" "http://127.0.0.1:$1/accounts")
      [[ $code == 503 ]] || break
      sleep 0.05
    done
    [[ $code == 201 ]] && opened=$((opened + 1))
  done
  echo "   accounts opened: $opened of $ACCOUNTS"
}

# run_wrk LABEL PORT...: the load split over the ports, at once.
run_wrk() {
  local label=$1
  shift
  local n=$#
  local outs=()
  local loads=()
  for p in "$@"; do
    local o
    o=$(mktemp)
    outs+=("$o")
    wrk -t$((n == 1 ? 2 : 1)) -c$((connections / n)) -d"${seconds}s" --latency \
      -s benchmarks/http/bank.lua "http://127.0.0.1:$p" >"$o" 2>&1 &
    loads+=($!)
  done
  for w in "${loads[@]}"; do wait "$w" || true; done
  awk -v label="$label" '
    /^Requests\/sec:/ {rps += $2}
    /^ +50%/ {p50 = p50 " " $2}
    /^ +99%/ {p99 = p99 " " $2}
    /^status / && $2 != "200:" {bad += $3; codes[$2] += $3}
    END {
      printf "%-34s %8.0f req/s   p50%s   p99%s   non-200: %d", label, rps, p50, p99, bad
      for (c in codes) printf " (%s %d)", c, codes[c]
      printf "\n"
    }' "${outs[@]}"
  rm -f "${outs[@]}"
}

echo "== unclustered bank (baseline), wrk -c$connections -d${seconds}s (deposits)"
schemas+=("cbench_plain_$$")
start_node "cbench_plain_$$"
open_accounts "${ports[0]}"
run_wrk "1 node, not clustered" "${ports[0]}"
cleanup
for n in $nodes_list; do
  schemas+=("cbench_${n}_$$")
  for ((k = 1; k <= n; k++)); do start_node "cbench_${n}_$$" "node-$k"; done
  wait_settled
  open_accounts "${ports[0]}"
  echo "== $n clustered node(s)"
  before=$(metric "${ports[0]}" mink_cluster_commands_forwarded_total)
  run_wrk "$n node(s), all requests to node 1" "${ports[0]}"
  after=$(metric "${ports[0]}" mink_cluster_commands_forwarded_total)
  echo "   forwarded by node 1: $(awk -v a="$before" -v b="$after" 'BEGIN {printf "%.0f", b - a}') commands"
  ((n == 1)) || run_wrk "$n node(s), requests spread" "${ports[@]}"
  cleanup
done
