package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/genapp"
)

// BenchmarkConvert measures the whole of `berth convert` (load, convert,
// atomic write) per corpus app, on a generated 200-service app and on the
// realistic 60-service app (genapp.Realistic).
func BenchmarkConvert(b *testing.B) {
	apps := corpusApps(b)
	big := b.TempDir()
	if err := os.WriteFile(filepath.Join(big, "compose.yaml"), []byte(genapp.Compose(200)), 0o644); err != nil {
		b.Fatal(err)
	}
	real := b.TempDir()
	if err := genapp.WriteRealistic(real, genapp.RealisticOptions{}); err != nil {
		b.Fatal(err)
	}
	dirs := map[string]string{"generated-200": big, "realistic-60": real}
	for _, a := range apps {
		d, err := filepath.Abs(filepath.Join(corpusDir, a))
		if err != nil {
			b.Fatal(err)
		}
		dirs[a] = d
	}
	for _, name := range append(apps, "generated-200", "realistic-60") {
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

// BenchmarkPhases splits the convert of the realistic 60-service app and
// of the generated one of as many services into compose-go's load,
// berth's mapping and rendering, and the write: the per-service ratio of
// make bench, phase by phase.
func BenchmarkPhases(b *testing.B) {
	gen := b.TempDir()
	if err := os.WriteFile(filepath.Join(gen, "compose.yaml"), []byte(genapp.Compose(genapp.DefaultServices)), 0o644); err != nil {
		b.Fatal(err)
	}
	real := b.TempDir()
	if err := genapp.WriteRealistic(real, genapp.RealisticOptions{}); err != nil {
		b.Fatal(err)
	}
	for _, app := range []struct{ name, dir string }{{"generated", gen}, {"realistic", real}} {
		b.Run(app.name+"/load", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(context.Background(), LoadOptions{WorkingDir: app.dir}); err != nil {
					b.Fatal(err)
				}
			}
		})
		p, err := Load(context.Background(), LoadOptions{WorkingDir: app.dir})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(app.name+"/convert", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Convert(p, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		base, err := Convert(p, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(app.name+"/write", func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "deploy")
			for b.Loop() {
				if err := base.Write(out, WriteOptions{Force: true}); err != nil {
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
