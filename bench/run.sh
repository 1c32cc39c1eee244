#!/usr/bin/env bash
# run.sh — `make bench`: berth's benchmarks, printed as figures a person can
# compare run to run. Needs the local cluster (make starts it). See bench/README.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CGO_ENABLED=0
echo "== convert: every corpus app and a generated 200-service app (compose/)"
go test -run '^$' -bench 'Convert' -benchmem -count 5 ./compose/
echo
echo "== live view at scale on the local cluster (tui/): ${BERTH_BENCH_NAMESPACES:-500} namespaces x ${BERTH_BENCH_PODS:-20} pods"
go test -run '^$' -bench 'Scale' -benchtime "${BERTH_BENCH_SAMPLES:-50}x" -timeout 60m ./tui/
