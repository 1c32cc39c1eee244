#!/usr/bin/env bash
# demo.sh — `make demo`: the local cluster (already started by make), the
# example app deployed for a feature branch, then the TUI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KUBECONFIG="$root/.cluster/kubeconfig"
berth="$root/bin/berth"
demo="$root/.cluster/demo/shop"
branch="${DEMO_BRANCH:-feature/checkout-v2}"

# A git repo of examples/shop on a feature branch (berth names envs by branch).
if [[ ! -d "$demo/.git" ]]; then
  mkdir -p "$demo"
  cp -R "$root/examples/shop/." "$demo/"
  git -C "$demo" init -q -b "$branch"
  git -C "$demo" config user.email "${DEMO_EMAIL:-you@example.com}"
  git -C "$demo" config user.name "berth demo"
  git -C "$demo" add -A
  git -C "$demo" commit -qm "shop example"
fi
cd "$demo"
echo "== berth up (branch $branch) on the local cluster"
"$berth" up
echo
"$berth" ls 2>/dev/null || true
if [[ -t 0 && -t 1 ]]; then
  echo "== opening the TUI (q quits; try enter, l, e, ?)"
  sleep 1
  exec "$berth"
fi
echo "(not a terminal: run '$berth' in $demo to open the TUI)"
