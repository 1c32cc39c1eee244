// Package deploy holds berth's own manifests (the kustomizations beside
// this file) and embeds the ones the binary installs itself: deploy/rbac,
// for `berth rbac install`, so the release binary needs no checkout.
package deploy

import (
	"embed"
	"io/fs"
)

// rbac is deploy/rbac as built into the binary.
//
//go:embed rbac
var rbac embed.FS

// RBAC returns deploy/rbac (its kustomization.yaml at the root).
func RBAC() fs.FS {
	sub, err := fs.Sub(rbac, "rbac")
	if err != nil {
		panic(err) // "rbac" is a valid path embedded above
	}
	return sub
}
