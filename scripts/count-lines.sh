#!/usr/bin/env bash
# Lines a user writes: the non-blank lines of C++ files that are not only a
# comment (`//`, `/*`, or a `*` continuation). One total per argument (a
# file, or a folder: its .hpp and .cpp files), then the sum.
#   usage: scripts/count-lines.sh PATH...
set -euo pipefail
count() {
  cat "$@" | grep -vE '^\s*$' | grep -cvE '^\s*(//|/\*|\*)' || true
}
total=0
for path in "$@"; do
  if [[ -d $path ]]; then
    mapfile -t files < <(find "$path" -name '*.hpp' -o -name '*.cpp' | sort)
  else
    files=("$path")
  fi
  n=$(count "${files[@]}")
  printf '%6d  %s\n' "$n" "$path"
  total=$((total + n))
done
printf '%6d  total\n' "$total"
