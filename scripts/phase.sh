#!/usr/bin/env bash
# Timing of the test command's phases. Source it, then:
#   phase <name> <command> [args...]
# runs the command in a subshell with errexit on (a function called after
# `||` would run with errexit off), then prints "[time] <name>: <seconds> s" (with the exit
# code when it fails), also appending the line to $MINK_PHASE_LOG when set,
# so that scripts/test.sh can print every phase again at the end.
phase() {
  local name=$1
  shift
  local start=$EPOCHREALTIME rc=0 errexit=0
  [[ $- != *e* ]] || errexit=1
  set +e
  (
    set -e
    "$@"
  )
  rc=$?
  ((errexit == 0)) || set -e
  local line
  line=$(awk -v a="$start" -v b="$EPOCHREALTIME" -v n="$name" -v rc="$rc" \
    'BEGIN { printf "[time] %-34s %7.1f s%s", n ":", b - a,
             rc ? "  (failed, exit " rc ")" : "" }')
  echo "$line"
  [[ -z ${MINK_PHASE_LOG:-} ]] || echo "$line" >>"$MINK_PHASE_LOG"
  return "$rc"
}
