//go:build !berthprof

package main

import (
	"errors"

	"github.com/spf13/pflag"
)

// addHeapFlag adds nothing: --memprofile needs a build with -tags
// berthprof, so that the release binary does not sample allocations
// (profile.go).
func addHeapFlag(*pflag.FlagSet, *string) {}

// writeHeapProfile is never called without --memprofile.
func writeHeapProfile(string) error {
	return errors.New("heap profiles need a build with -tags berthprof")
}
