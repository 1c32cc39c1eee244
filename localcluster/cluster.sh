#!/usr/bin/env bash
# cluster.sh up|down|stop|status — manage berth's local cluster in $BERTH_CLUSTER_DIR
# (default: <repo>/.cluster). `up` builds the binaries only when missing.
# `stop --component NAME` stops one component (fault tests); `up` restarts
# whatever is down, keeping data and ports.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${BERTH_CLUSTER_DIR:-$(dirname "$here")/.cluster}"
bins="$("$here/build.sh")"
IFS=: read -r kcp_dir kwok_dir crd_dir <<<"$bins"
kcp="$kcp_dir/kcp"
kwok="$kwok_dir/kwok"
case "${1:-}" in
  up) exec "$kcp" up --dir "$dir" --kwok "$kwok" --crds "$crd_dir" ;;
  down|stop|status) verb="$1"; shift; exec "$kcp" "$verb" --dir "$dir" "$@" ;;
  *) echo "usage: $0 up|down|stop|status" >&2; exit 2 ;;
esac
