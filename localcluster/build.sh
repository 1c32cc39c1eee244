#!/usr/bin/env bash
# build.sh builds the local cluster's binaries (kcp, kwok) into a cache keyed
# by version and source hash, and prints the directory holding them. It builds
# only what is missing: a second call returns at once.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION=v1.36.3
KWOK_VERSION=v0.8.0
cache_root="${BERTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/berth}/localcluster"
src_hash="$(cd "$here" && cat go.mod go.sum $(find cmd cluster -type f | LC_ALL=C sort) | sha256sum | cut -c1-12)"
kcp_dir="$cache_root/kcp-$K8S_VERSION-$src_hash"
kwok_dir="$cache_root/kwok-$KWOK_VERSION"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath"

if [[ ! -x "$kcp_dir/kcp" ]]; then
  echo "building kcp $K8S_VERSION (first build takes ~20 min on 2 cores; cached afterwards in $kcp_dir)" >&2
  mkdir -p "$kcp_dir"
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  (cd "$here" && go build -ldflags "$ld" -o "$kcp_dir/kcp.tmp" ./cmd/kcp)
  mv "$kcp_dir/kcp.tmp" "$kcp_dir/kcp"
  # Drop binaries of older sources of the same version: only the newest is used.
  find "$cache_root" -maxdepth 1 -name "kcp-$K8S_VERSION-*" ! -path "$kcp_dir" -exec rm -rf {} +
fi
if [[ ! -x "$kwok_dir/kwok" ]]; then
  echo "building kwok $KWOK_VERSION (~5 min; cached afterwards in $kwok_dir)" >&2
  mkdir -p "$kwok_dir"
  GOBIN="$kwok_dir/bin.tmp" GOFLAGS="-trimpath" go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv "$kwok_dir/bin.tmp/kwok" "$kwok_dir/kwok"
  rmdir "$kwok_dir/bin.tmp"
fi
echo "$kcp_dir:$kwok_dir"
