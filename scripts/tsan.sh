#!/usr/bin/env bash
# Builds the unit, actor and conformance tests with ThreadSanitizer
# (build-tsan/) and runs them; see scripts/sanitized-tests.sh and the
# "Sanitizers" section of docs/reliability.md.
exec "$(dirname "$0")/sanitized-tests.sh" tsan "$@"
