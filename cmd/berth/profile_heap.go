//go:build berthprof

package main

import (
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// addHeapFlag adds the hidden --memprofile (builds with -tags berthprof).
func addHeapFlag(fs *pflag.FlagSet, file *string) {
	fs.StringVar(file, "memprofile", "", "write a heap profile to `FILE` when the command ends")
	_ = fs.MarkHidden("memprofile")
}

// writeHeapProfile writes the heap profile, after a GC, to file.
func writeHeapProfile(file string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
