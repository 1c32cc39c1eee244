package envs

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/internal/testcompose"
	"github.com/berth-dev/berth/meta"
)

// servicePrints renders the app in dir as branch and returns, by service,
// its source print and its workloads' fingerprints (kind/base name →
// fingerprint); every workload carries its service's print.
func servicePrints(t *testing.T, dir, branch string) (map[string]string, map[string]map[string]string) {
	t.Helper()
	app, _, objs := renderApp(t, dir, branch)
	sources, err := app.SourcePrints()
	if err != nil {
		t.Fatal(err)
	}
	fps := map[string]map[string]string{}
	for _, o := range objs {
		if PodSpecPath(o.GetKind()) == nil {
			continue
		}
		svc := o.GetLabels()[meta.LabelService]
		if got := o.GetAnnotations()[meta.AnnotationSourcePrint]; got != sources[svc] || got == "" {
			t.Fatalf("%s %s: source print %q, want its service's %q", o.GetKind(), o.GetName(), got, sources[svc])
		}
		name := o.GetName()
		if base := o.GetAnnotations()[meta.AnnotationJobName]; base != "" {
			name = base
		}
		if fps[svc] == nil {
			fps[svc] = map[string]string{}
		}
		fps[svc][o.GetKind()+"/"+name] = o.GetAnnotations()[meta.AnnotationFingerprint]
	}
	return sources, fps
}

// A service's source print stays while its sources do — across branches
// and while other services change — and then so do its fingerprints (what
// lets changed mode borrow it unrendered); it changes with the service's
// compose entry, a config or env file it reads, its image's tag, its build
// context, a service its objects name (a dependency's port), and
// berth.yaml, which every service shares.
func TestSourcePrintsFollowTheSources(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the 60-service app many times")
	}
	dir := t.TempDir()
	if err := genapp.WriteRealistic(dir, genapp.RealisticOptions{}); err != nil {
		t.Fatal(err)
	}
	write := func(t *testing.T, file, content string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	compose := filepath.Join(dir, "compose.yaml")
	edits := []struct {
		name    string
		edit    func(t *testing.T)
		changed []string // services whose print must change; nil: every one
	}{
		{"nothing (another branch)", func(*testing.T) {}, []string{}},
		{"one service's command", func(t *testing.T) {
			testcompose.Edit(t, compose, `"--storage", "snuba-spans-consumer", "--consumer-group"`, `"--storage", "snuba-spans-consumer", "--max-batch-size", "100", "--consumer-group"`)
		}, []string{"snuba-spans-consumer"}},
		{"relay's config file", func(t *testing.T) {
			testcompose.Edit(t, filepath.Join(dir, "relay", "config.yml"), "port: 3000", "port: 3001")
		}, []string{"relay"}},
		{"an image tag", func(t *testing.T) {
			testcompose.Edit(t, compose, "getsentry/vroom:25.1.0", "getsentry/vroom:25.2.0")
		}, []string{"vroom"}},
		{"kafka's port", func(t *testing.T) {
			testcompose.Edit(t, compose, `expose: ["9092"]`, `expose: ["9093"]`)
		}, []string{"kafka"}},
		{"snuba's env file", func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, "snuba", "snuba.env"))
			if err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(dir, "snuba", "snuba.env"), string(b)+"SNUBA_LOG_LEVEL=debug\n")
		}, []string{}}, // checked below: the snuba services, no others
		{"the sentry build context", func(t *testing.T) {
			testcompose.Edit(t, filepath.Join(dir, "sentry", "Dockerfile"), "pip install", "pip install --no-cache-dir")
		}, []string{}}, // checked below: the services built from it
		{"berth.yaml", func(t *testing.T) {
			write(t, filepath.Join(dir, ConfigFile), "quota:\n  enabled: true\n  defaultRequests:\n    cpu: 50m\n")
		}, nil},
	}
	prevPrints, prevFps := servicePrints(t, dir, "main")
	if len(prevPrints) != genapp.DefaultServices {
		t.Fatalf("%d services with a print, want %d", len(prevPrints), genapp.DefaultServices)
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			e.edit(t)
			prints, fps := servicePrints(t, dir, "feature/x")
			var changed []string
			for svc, p := range prints {
				if p != prevPrints[svc] {
					changed = append(changed, svc)
					continue
				}
				if !maps.Equal(fps[svc], prevFps[svc]) {
					t.Errorf("%s: same source print, other fingerprints %v, was %v", svc, fps[svc], prevFps[svc])
				}
			}
			slices.Sort(changed)
			switch {
			case e.changed == nil && len(changed) != len(prints):
				t.Errorf("prints changed for %d services, want all %d", len(changed), len(prints))
			case e.changed != nil && len(e.changed) > 0 && !slices.Equal(changed, e.changed):
				t.Errorf("prints changed for %v, want %v", changed, e.changed)
			case e.name == "nothing (another branch)" && len(changed) != 0:
				t.Errorf("prints changed for %v, want none", changed)
			case e.name == "snuba's env file" && (!slices.Contains(changed, "snuba-api") || slices.Contains(changed, "web") || slices.Contains(changed, "kafka")):
				t.Errorf("prints changed for %v, want the snuba services only", changed)
			case e.name == "the sentry build context" && (!slices.Contains(changed, "web") || !slices.Contains(changed, "worker") || slices.Contains(changed, "snuba-api")):
				t.Errorf("prints changed for %v, want the services built from ./sentry only", changed)
			}
			prevPrints, prevFps = prints, fps
		})
	}
}
