package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzConvert loads and converts arbitrary compose files: errors are fine,
// panics are not. Seeded with every corpus compose file.
func FuzzConvert(f *testing.F) {
	for _, app := range corpusApps(f) {
		for _, name := range []string{"compose.yaml", "compose.yml", "docker-compose.yml"} {
			if b, err := os.ReadFile(filepath.Join(corpusDir, app, name)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("services:\n  a:\n    image: x\n    healthcheck:\n      test: curl -f http://localhost:1/ || exit 1\n      start_period: 1s\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := Load(context.Background(), LoadOptions{WorkingDir: dir, ProjectName: "fuzz"})
		if err != nil {
			return
		}
		b, err := Convert(p, Options{})
		if err != nil {
			return
		}
		for path := range b.Files {
			if !validRel(path) {
				t.Fatalf("invalid output path %q", path)
			}
		}
	})
}
