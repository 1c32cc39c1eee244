#!/usr/bin/env bash
# run.sh — `make bench`: berth's benchmarks, each figure printed next to a
# baseline measured in the same run and their ratio (the machines are shared
# and noisy; ratios compare run to run, absolute times drift). Everything
# that talks to a cluster runs on a PRIVATE local cluster started here and
# stopped on exit, so the shared one (.cluster/) is never loaded.
# See bench/README.md for how to read the output.
#
#   BERTH_BENCH_RUNS           runs per convert app (default 5)
#   BERTH_BENCH_STARTUP_RUNS, BERTH_BENCH_TUI_RUNS  runs of version/completion, TUI launches (15, 7)
#   BERTH_BENCH_UP_RUNS        spin-up and apply runs (default 3)
#   BERTH_BENCH_REALISTIC      services of the realistic big app, convert and 2a (default 60)
#   BERTH_BENCH_REALISTIC_FLAGS  extra berthbench flags for it (default none)
#   BERTH_BENCH_NAMESPACES/PODS  live-view load (default 500 × 20)
#   BERTH_BENCH_IDLE           idle window in seconds (default 30)
#   BERTH_BENCH_TUI_LAUNCHES   launches of the real binary per access mode, alternated (3)
#   BERTH_BENCH_CHURN[_RATE]   pods changed and changes per second (1000, 100)
#   BERTH_BENCH_FORWARD_ITERS/CONNS  port-forward round trips, new connections (4000, 400)
#   BERTH_BENCH_CLUSTER_DIR    reuse a running private cluster (not stopped)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CGO_ENABLED=0
# The live view's idle window, for BenchmarkScale and berthbench tui: at
# 10 s an idle berth's ~50 ms of CPU moved by half from launch to launch.
export BERTH_BENCH_IDLE="${BERTH_BENCH_IDLE:-30}"
out="$PWD/bench/out" # absolute: go test runs ./tui/ in its own directory
mkdir -p "$out"
# Section 3 drives the real binary in tmux.
command -v tmux >/dev/null || apt-get install -y tmux >/dev/null 2>&1 ||
  { apt-get update >/dev/null 2>&1 && apt-get install -y tmux >/dev/null 2>&1; } ||
  { echo "bench: tmux is needed (section 3) and could not be installed" >&2; exit 1; }

echo "== build"
go build -trimpath -o bin/berth ./cmd/berth
# The release build (goreleaser's flags) for section 1a: start-up and size.
go build -trimpath -ldflags "-s -w" -o "$out/berth-release" ./cmd/berth
go build -o "$out/berthbench" ./bench/cmd/berthbench
bb="$out/berthbench"

# Convert talks to no cluster: it runs before the private one starts, whose
# first minute (controllers and kwok settling) loaded the 2 cores under it.
echo
echo "== 1. convert: whole-process bin/berth convert, corpus + generated apps + the realistic app"
"$bb" convert -berth bin/berth -corpus testdata/compose-corpus/awesome-compose -runs "${BERTH_BENCH_RUNS:-5}" \
  -realistic "${BERTH_BENCH_REALISTIC:-60}"

if [[ -n "${BERTH_BENCH_CLUSTER_DIR:-}" ]]; then
  dir="$BERTH_BENCH_CLUSTER_DIR"
else
  dir="$(mktemp -d /tmp/berth-bench.XXXXXX)"
  echo "== private cluster in $dir (free ports; stopped on exit)"
  BERTH_CLUSTER_DIR="$dir" ./localcluster/cluster.sh up | tail -1
  trap 'BERTH_CLUSTER_DIR="$dir" ./localcluster/cluster.sh down >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
fi
kc="$dir/kubeconfig"
up_runs="${BERTH_BENCH_UP_RUNS:-3}"

echo
echo "== 1a. start-up: version, completion, TUI first frame vs a hello-world floor; release binary size"
"$bb" startup -berth "$out/berth-release" -kubeconfig "$kc" -example examples/shop \
  -runs "${BERTH_BENCH_STARTUP_RUNS:-15}" -tui-runs "${BERTH_BENCH_TUI_RUNS:-7}"

echo
echo "== 2. spin-up: berth up of examples/shop to all-Ready vs the kubectl floor"
"$bb" spinup -berth bin/berth -kubeconfig "$kc" -example examples/shop -runs "$up_runs"

echo
echo "== 2a. spin-up of a realistic big app (genapp.Realistic: ${BERTH_BENCH_REALISTIC:-60} services, 8 depends_on waves) vs kubectl"
# shellcheck disable=SC2086 # the flags are words
"$bb" spinup -berth bin/berth -kubeconfig "$kc" -realistic "${BERTH_BENCH_REALISTIC:-60}" \
  ${BERTH_BENCH_REALISTIC_FLAGS:-} -target 0.5 -target-of floor -runs "$up_runs"

echo
echo "== 2b. apply phase alone: 200 objects, controllers running and paused"
# -cluster-dir lets it stop the controller-manager, scheduler and kwok of
# this private cluster for the second part (restarted after, on error too).
"$bb" apply -berth bin/berth -kubeconfig "$kc" -objects 200 -runs "$up_runs" -cluster-dir "$dir"

echo
echo "== 2c. changed mode: a branch changing 1 of ${BERTH_BENCH_REALISTIC:-60} services against the full env as baseline (docs/baseline.md)"
"$bb" changed -berth bin/berth -kubeconfig "$kc" -realistic "${BERTH_BENCH_REALISTIC:-60}" -runs "$up_runs"

echo
echo "== 3. live view at scale: ${BERTH_BENCH_NAMESPACES:-500} namespaces × ${BERTH_BENCH_PODS:-20} pods"
run="$("$bb" load -kubeconfig "$kc" -namespaces "${BERTH_BENCH_NAMESPACES:-500}" -pods "${BERTH_BENCH_PODS:-20}")"
BERTH_TEST_KUBECONFIG="$kc" BERTH_BENCH_RUN="$run" BERTH_BENCH_RESULT="$out/scale-cluster-wide.json" \
  go test -run '^$' -bench '^BenchmarkScale$' -benchtime 1x -timeout 30m \
  -cpuprofile "$out/tui.cpu.pprof" -memprofile "$out/tui.mem.pprof" -o "$out/tui.test" ./tui/ |
  grep -v '^\(goos\|goarch\|pkg\|cpu\|PASS\|ok \)'
echo
echo "== 3b. the same live view as a developer with the narrow grant (issue 20): namespace by namespace"
"$bb" narrow -kubeconfig "$kc" -run "$run" -out "$out/developer.kubeconfig"
BERTH_TEST_KUBECONFIG="$kc" BERTH_BENCH_RUN="$run" BERTH_BENCH_RESULT="$out/scale-namespaced.json" \
  BERTH_BENCH_AS_KUBECONFIG="$out/developer.kubeconfig" \
  go test -run '^$' -bench '^BenchmarkScale$' -benchtime 1x -timeout 30m ./tui/ |
  grep -v '^\(goos\|goarch\|pkg\|cpu\|PASS\|ok \)'
# The real binary, launched in turn as an admin (cluster-wide) and as the
# developer, BERTH_BENCH_TUI_LAUNCHES times each: compare takes medians.
launches="${BERTH_BENCH_TUI_LAUNCHES:-3}"
wide="$out/scale-cluster-wide.json" narrowed="$out/scale-namespaced.json"
for i in $(seq "$launches"); do
  echo "-- launch $i of $launches: the real bin/berth as a whole process (tmux 160×48, no args: every project's envs)"
  "$bb" tui -berth bin/berth -kubeconfig "$kc" -run "$run" -idle "${BERTH_BENCH_IDLE}s" -result "$out/tui-cluster-wide-$i.json"
  echo "-- launch $i of $launches: the real bin/berth as the developer"
  "$bb" tui -berth bin/berth -kubeconfig "$kc" -as-kubeconfig "$out/developer.kubeconfig" -run "$run" \
    -idle "${BERTH_BENCH_IDLE}s" -result "$out/tui-namespaced-$i.json"
  wide="$wide,$out/tui-cluster-wide-$i.json" narrowed="$narrowed,$out/tui-namespaced-$i.json"
done
echo "-- both access modes of this run"
"$bb" compare -cluster-wide "$wide" -namespaced "$narrowed"
"$bb" narrow -delete -kubeconfig "$kc" -run "$run" || true
"$bb" unload -kubeconfig "$kc" -run "$run" || true

echo
echo "== 3a. port-forward round-trip latency: berth forward vs kubectl port-forward on the same pod"
"$bb" forward -berth bin/berth -kubeconfig "$kc" -iterations "${BERTH_BENCH_FORWARD_ITERS:-4000}" -connections "${BERTH_BENCH_FORWARD_CONNS:-400}"

echo
echo "== 3b. images: content hash (warm < 100 ms) and the registry check of 60 images, parallel vs sequential"
"$bb" images -example examples/shop -realistic "${BERTH_BENCH_REALISTIC:-60}" -images 60 -context . -runs "${BERTH_BENCH_RUNS:-5}"

echo
echo "== 4. profiles (go tool pprof -top <binary> <profile>)"
go test -run '^$' -bench 'Convert/(generated-200|realistic-60)$' -benchtime 5x \
  -cpuprofile "$out/convert.cpu.pprof" -o "$out/compose.test" ./compose/ | grep Benchmark || true
echo "convert:   go tool pprof -top $out/compose.test $out/convert.cpu.pprof"
echo "live view: go tool pprof -top $out/tui.test $out/tui.cpu.pprof   (and tui.mem.pprof, -sample_index=inuse_space)"
