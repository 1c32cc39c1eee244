package main

import (
	"os"
	"testing"

	"github.com/berth-dev/berth/internal/testenv"
)

// TestMain runs the commands under test with none of the shell's or CI
// job's BERTH_* and GITHUB_* variables (tests set their own).
func TestMain(m *testing.M) {
	testenv.Clear()
	os.Exit(m.Run())
}
