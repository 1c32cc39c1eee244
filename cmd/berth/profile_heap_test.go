//go:build berthprof

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// With -tags berthprof, --memprofile writes a heap profile when the command
// ends, next to --cpuprofile's.
func TestMemProfileFlag(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	if code, _, stderr := runRoot(t, "--cpuprofile", cpu, "--memprofile", mem, "version"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{cpu, mem} {
		if data, err := os.ReadFile(f); err != nil || len(data) == 0 {
			t.Fatalf("no profile written to %s: %v (%d bytes)", f, err, len(data))
		}
	}
}
