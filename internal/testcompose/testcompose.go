// Package testcompose converts compose YAML written inline in tests and
// edits the files of a project as a branch would.
package testcompose

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// Edit replaces the first old in the file at path with new; the test
// fails when the file lacks old.
func Edit(t testing.TB, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s lacks %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
