#!/usr/bin/env bash
# release-check: validate .goreleaser.yaml and run the release pipeline as a
# snapshot for the host platform only — build with the release ldflags,
# archive, checksums, Homebrew formula, krew manifest — then check what it
# produced. Run by `make release-check` (part of `make test`).
#
#   GORELEASER=path/to/goreleaser hack/release-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${GORELEASER:?set GORELEASER to the goreleaser binary (make release-check does)}"

fail() { echo "release-check: $*" >&2; exit 1; }

"$GORELEASER" check

goos=$(go env GOOS) goarch=$(go env GOARCH)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The same configuration, with the build matrix narrowed to the host.
sed -E -e "s/^( *goos:).*/\1 [$goos]/" -e "s/^( *goarch:).*/\1 [$goarch]/" .goreleaser.yaml >"$tmp/goreleaser.yaml"
grep -q "goos: \[$goos\]" "$tmp/goreleaser.yaml" || fail "could not narrow the build matrix of .goreleaser.yaml"
# goreleaser reads the commit only when the repo has a remote; a fresh
# `git init` copy gets one through the environment, the repo is not changed.
if [ -z "$(git remote)" ]; then
	export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/berth-dev/berth.git
fi
# --skip=before: the hook checks go.mod is tidy, which is a release gate,
# not something a test run of a work in progress should fail on.
head=$(git rev-parse HEAD) # before: commits may land while it builds
"$GORELEASER" release --snapshot --clean --skip=before --config "$tmp/goreleaser.yaml"

# The archive holds a binary whose version, commit and date came from ldflags.
archives=(dist/berth_*_"${goos}"_"${goarch}".tar.gz)
archive=${archives[0]}
[ -f "$archive" ] || fail "no archive for $goos/$goarch in dist/"
grep -q "  $(basename "$archive")\$" dist/checksums.txt || fail "$archive is not in dist/checksums.txt"
(cd dist && sha256sum --quiet -c checksums.txt) || fail "checksums.txt does not match the archives"
mkdir "$tmp/x"
tar -xzf "$archive" -C "$tmp/x"
[ -f "$tmp/x/README.md" ] || fail "README.md missing from $archive"
json=$("$tmp/x/berth" version -o json)
echo "$json"
grep -q '"version": "[0-9][^"]*-snapshot+' <<<"$json" || fail "version not set by ldflags: $json"
grep -q "\"commit\": \"$head\"" <<<"$json" || fail "commit is not HEAD ($head): $json"
grep -q '"date": "20[0-9][0-9]-' <<<"$json" || fail "date not set by ldflags: $json"

# Installed as kubectl-berth, the same binary is a kubectl plugin.
ln -s berth "$tmp/x/kubectl-berth"
"$tmp/x/kubectl-berth" --help | grep -q "kubectl berth \[command\]" || fail "kubectl-berth --help does not say kubectl berth"

# The Homebrew formula and the krew manifest were generated for this archive.
formula=dist/homebrew/Formula/berth.rb
[ -f "$formula" ] || fail "no Homebrew formula $formula"
grep -q 'kubectl-berth' "$formula" || fail "$formula does not install kubectl-berth"
manifest=dist/krew/berth.yaml
[ -f "$manifest" ] || fail "no krew manifest $manifest"
sum=$(sha256sum "$archive" | cut -d' ' -f1)
grep -q "sha256: $sum" "$manifest" || fail "$manifest lacks the archive's sha256"
grep -q "os: $goos" "$manifest" || fail "$manifest has no $goos platform"
echo "release-check: ok ($archive, $formula, $manifest)"
