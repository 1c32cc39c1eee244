package main

import (
	"os"
	"runtime/debug"
)

// Rendering an app (compose load, kustomize) allocates a lot of short-lived
// memory: with the default GOGC a quarter of its CPU went to the garbage
// collector. While a command renders, the heap may grow to renderGCPercent
// over the live heap, bounded by renderMemoryLimit.
const (
	renderGCPercent   = 400
	renderMemoryLimit = 256 << 20
)

// renderGC relaxes the garbage collector for a render and returns what
// restores it. A GOGC or GOMEMLIMIT in the environment is left as set.
func renderGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	pct := debug.SetGCPercent(renderGCPercent)
	limit := debug.SetMemoryLimit(renderMemoryLimit)
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
	}
}
