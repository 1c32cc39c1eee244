#!/usr/bin/env bash
# fuzz.sh [DURATION] — run every Go fuzz target for DURATION (default 30s) each.
# New inputs are minimized for at most FUZZMINIMIZE (default 2s): the seeds
# are whole recorded clusters and compose files, and minimizing them for
# Go's default 60s would leave almost no time to fuzz.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CGO_ENABLED=0
t="${1:-30s}"
minimize="${FUZZMINIMIZE:-2s}"
fail=0
while IFS= read -r line; do
  file="${line%%:*}"
  name="$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]+).*/\1/' <<<"$line")"
  pkg="./$(dirname "$file")"
  echo "== $name ($pkg) for $t"
  go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$t" -fuzzminimizetime "$minimize" || fail=1
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' compose envs k8s tui cmd | sort)
exit $fail
