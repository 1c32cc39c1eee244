package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/genapp"
)

// BenchmarkConvert measures the whole of `berth convert` (load, convert,
// atomic write) per corpus app and on a generated 200-service app.
func BenchmarkConvert(b *testing.B) {
	apps := corpusApps(b)
	big := b.TempDir()
	if err := os.WriteFile(filepath.Join(big, "compose.yaml"), []byte(genapp.Compose(200)), 0o644); err != nil {
		b.Fatal(err)
	}
	dirs := map[string]string{"generated-200": big}
	for _, a := range apps {
		d, err := filepath.Abs(filepath.Join(corpusDir, a))
		if err != nil {
			b.Fatal(err)
		}
		dirs[a] = d
	}
	for _, name := range append(apps, "generated-200") {
		b.Run(name, func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "deploy")
			for i := 0; i < b.N; i++ {
				p, err := Load(context.Background(), LoadOptions{WorkingDir: dirs[name]})
				if err != nil {
					b.Fatal(err)
				}
				base, err := Convert(p, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if err := base.Write(out, WriteOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGeneratedAppBuilds keeps the benchmark input honest.
func TestGeneratedAppBuilds(t *testing.T) {
	b := convertYAML(t, genapp.Compose(40), nil)
	m := build(t, b, "overlays/dev")
	jobs := 0
	for _, r := range m.Resources() {
		if r.GetKind() == "Job" {
			jobs++
		}
	}
	if jobs != 10 {
		t.Errorf("%d Jobs, want 10 migrate jobs", jobs)
	}
}
