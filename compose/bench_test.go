package compose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkConvert measures the whole of `berth convert` (load, convert,
// atomic write) per corpus app and on a generated 200-service app.
func BenchmarkConvert(b *testing.B) {
	apps := corpusApps(b)
	big := b.TempDir()
	if err := os.WriteFile(filepath.Join(big, "compose.yaml"), []byte(generatedApp(200)), 0o644); err != nil {
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

// generatedApp is a compose app of n services: web tiers with ports and
// healthchecks calling databases, workers, volumes and env.
func generatedApp(n int) string {
	var s strings.Builder
	s.WriteString("services:\n")
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&s, "  db%d:\n    image: postgres:16\n    volumes: [\"data%d:/var/lib/postgresql/data\"]\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready\"]\n      start_period: 10s\n", i, i)
		case 1:
			fmt.Fprintf(&s, "  web%d:\n    image: example/web:%d\n    ports: [\"%d:8080\"]\n    environment:\n      DB_URL: postgres://u:p@db%d:5432/app\n    depends_on:\n      db%d: {condition: service_healthy}\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8080/health\"]\n", i, i, 10000+i, i-1, i-1)
		case 2:
			fmt.Fprintf(&s, "  worker%d:\n    image: example/worker\n    command: [\"work\", \"--queue\", \"q%d\"]\n    environment: [\"API=http://web%d:8080\"]\n", i, i, i-1)
		default:
			fmt.Fprintf(&s, "  migrate%d:\n    image: example/web:%d\n    command: [\"migrate\"]\n    restart: \"no\"\n", i, i)
		}
	}
	s.WriteString("volumes:\n")
	for i := 0; i < n; i += 4 {
		fmt.Fprintf(&s, "  data%d:\n", i)
	}
	return s.String()
}

// TestGeneratedAppBuilds keeps the benchmark input honest.
func TestGeneratedAppBuilds(t *testing.T) {
	b := convertYAML(t, generatedApp(40), nil)
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
