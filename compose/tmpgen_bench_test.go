package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/genapp"
)

func BenchmarkTmpPhases(b *testing.B) {
	gen := b.TempDir()
	if err := os.WriteFile(filepath.Join(gen, "compose.yaml"), []byte(genapp.Compose(60)), 0o644); err != nil {
		b.Fatal(err)
	}
	real := b.TempDir()
	if err := genapp.WriteRealistic(real, genapp.RealisticOptions{}); err != nil {
		b.Fatal(err)
	}
	for _, app := range []struct{ name, dir string }{{"gen", gen}, {"real", real}} {
		b.Run(app.name+"/load", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Load(context.Background(), LoadOptions{WorkingDir: app.dir}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(app.name+"/convert", func(b *testing.B) {
			b.ReportAllocs()
			p, err := Load(context.Background(), LoadOptions{WorkingDir: app.dir})
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				if _, err := Convert(p, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(app.name+"/write", func(b *testing.B) {
			p, err := Load(context.Background(), LoadOptions{WorkingDir: app.dir})
			if err != nil {
				b.Fatal(err)
			}
			base, err := Convert(p, Options{})
			if err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(b.TempDir(), "deploy")
			for i := 0; i < b.N; i++ {
				if err := base.Write(out, WriteOptions{Force: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
