// Package testcompose converts compose YAML written inline in tests.
package testcompose

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/compose"
)

// Convert writes composeYAML as compose.yaml of a fresh project directory
// and converts it as `berth convert` does, with no environment variables.
func Convert(t testing.TB, project, composeYAML string) *compose.Base {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(composeYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := compose.Load(context.Background(), compose.LoadOptions{WorkingDir: dir, ProjectName: project, Environment: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := compose.Convert(p, compose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
