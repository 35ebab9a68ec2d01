#!/usr/bin/env bash
# The docs show files whole where they say `<!-- include: PATH -->`: the
# code block right after that line must equal the file PATH (relative to
# the source tree), so what the docs show is what the build compiles.
#   usage: includes_test.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
checked=0
failed=0
for doc in "$src"/docs/*.md; do
  while IFS= read -r path; do
    file="$src/$path"
    if [[ ! -f $file ]]; then
      echo "FAIL ${doc#$src/}: includes missing file $path"
      failed=$((failed + 1))
      continue
    fi
    # The block: the lines between the fence after the marker and the next.
    shown=$(awk -v want="<!-- include: $path -->" '
      $0 == want { found = 1; next }
      found == 1 && /^```/ { found = 2; next }
      found == 2 && /^```/ { exit }
      found == 2 { print }' "$doc")
    if [[ $shown != "$(cat "$file")" ]]; then
      echo "FAIL ${doc#$src/}: the block after the include of $path differs from the file"
      diff <(printf '%s\n' "$shown") "$file" | head -20 || true
      failed=$((failed + 1))
    fi
    checked=$((checked + 1))
  done < <(grep -o '<!-- include: [^ ]* -->' "$doc" | sed 's/<!-- include: \(.*\) -->/\1/')
done
echo "$checked included files checked, $failed differ"
[[ $checked -gt 0 && $failed -eq 0 ]]
