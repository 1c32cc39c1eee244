#!/usr/bin/env bash
# build.sh builds the local cluster's binaries (kcp, kwok) into a cache keyed
# by version and source hash, and prints the directory holding them. It builds
# only what is missing: a second call returns at once.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION=v1.36.3
KWOK_VERSION=v0.8.0
GATEWAY_API_VERSION=v1.6.3
cache_root="${BERTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/berth}/localcluster"
src_hash="$(cd "$here" && cat go.mod go.sum $(find cmd cluster -type f | LC_ALL=C sort) | sha256sum | cut -c1-12)"
kcp_dir="$cache_root/kcp-$K8S_VERSION-$src_hash"
# kwok is built from its module source plus kwokpatch/ (exec exit codes).
kwok_patch="$here/kwokpatch/exec_exit_code.go.in"
kwok_dir="$cache_root/kwok-$KWOK_VERSION-$(sha256sum "$kwok_patch" | cut -c1-8)"
crd_dir="$cache_root/crds-kwok-$KWOK_VERSION-gateway-api-$GATEWAY_API_VERSION"
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
moddir() { (cd "$(mktemp -d)" && GOFLAGS= go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'); }
if [[ ! -x "$kwok_dir/kwok" ]]; then
  echo "building kwok $KWOK_VERSION (~5 min; cached afterwards in $kwok_dir)" >&2
  src="$(mktemp -d)/kwok"
  cp -r "$(moddir "sigs.k8s.io/kwok@$KWOK_VERSION")" "$src"
  chmod -R u+w "$src"
  sed -i 's/^func (s \*Server) ExecInContainer(/func (s *Server) execInContainerUnpatched(/' "$src/pkg/kwok/server/debugging_exec.go"
  cp "$kwok_patch" "$src/pkg/kwok/server/debugging_exec_exit_code.go"
  mkdir -p "$kwok_dir"
  (cd "$src" && GOFLAGS="-trimpath -mod=mod" go build -ldflags "-s -w" -o "$kwok_dir/kwok.tmp" ./cmd/kwok)
  mv "$kwok_dir/kwok.tmp" "$kwok_dir/kwok"
  rm -rf "$(dirname "$src")"
  find "$cache_root" -maxdepth 1 -name "kwok-$KWOK_VERSION*" ! -path "$kwok_dir" -exec rm -rf {} +
fi
# CRDs installed at start: kwok's ClusterPortForward (tests forward a pod's
# port to a server they start) and the Gateway API standard channel.
if [[ ! -d "$crd_dir" ]]; then
  tmp="$(mktemp -d)"
  kwok_src="$(moddir "sigs.k8s.io/kwok@$KWOK_VERSION")"
  gw_src="$(moddir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")"
  mkdir -p "$tmp/crds"
  cp "$kwok_src/kustomize/crd/bases/kwok.x-k8s.io_clusterportforwards.yaml" "$tmp/crds/"
  cp "$gw_src"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$tmp/crds/"
  rm -f "$tmp/crds/"*_vap_*.yaml
  chmod -R u+w "$tmp/crds"
  mv "$tmp/crds" "$crd_dir"
  rm -rf "$tmp"
fi
echo "$kcp_dir:$kwok_dir:$crd_dir"
