package rollout_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/internal/testcompose"
	"github.com/berth-dev/berth/rollout"
)

// TestPlanChangedWithoutBorrowedRenders: changed mode planned on a render
// that leaves out the services whose sources are the baseline's
// (Unchanged, RenderBorrowing) is the plan made on the full render —
// the same objects applied, the same services deployed and borrowed, the
// same savings — for edits of one service's environment, a config file,
// an image tag, a migration's command and the build context; and only
// the changed services' workloads are rendered.
func TestPlanChangedWithoutBorrowedRenders(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the 60-service app many times")
	}
	dir := t.TempDir()
	if err := genapp.WriteRealistic(dir, genapp.RealisticOptions{}); err != nil {
		t.Fatal(err)
	}
	// With a domain, the published services get Ingresses and the env its
	// URLs, whose hosts depend on every service's name.
	if err := os.WriteFile(filepath.Join(dir, envs.ConfigFile), []byte("domain: dev.example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	baseEnv, baseObjs, _ := renderBranch(t, dir, "main")
	base := baselineOf(baseEnv.Namespace, baseObjs)
	if _, p := prints(t, dir); len(rollout.Unchanged(p, base)) != genapp.DefaultServices {
		t.Fatalf("the baseline's own sources: %d services unchanged, want all %d", len(rollout.Unchanged(p, base)), genapp.DefaultServices)
	}
	compose := filepath.Join(dir, "compose.yaml")
	edits := []struct {
		name     string
		edit     func(t *testing.T)
		rendered []string // services whose workloads the short render has (edits add up)
		o        rollout.ChangedOptions
	}{
		{"vroom's environment", func(t *testing.T) {
			testcompose.Edit(t, compose, "      SENTRY_SNUBA_HOST: http://snuba-api:1218\n", "      SENTRY_SNUBA_HOST: http://snuba-api:1218\n      VROOM_LOG_LEVEL: debug\n")
		}, []string{"vroom"}, rollout.ChangedOptions{}},
		{"nginx's config file", func(t *testing.T) {
			appendFile(t, filepath.Join(dir, "nginx", "nginx.conf"), "\n# branch\n")
		}, []string{"nginx", "vroom"}, rollout.ChangedOptions{}},
		{"relay's image tag", func(t *testing.T) {
			testcompose.Edit(t, compose, "getsentry/relay:25.1.0", "getsentry/relay:25.2.0")
		}, []string{"nginx", "relay", "vroom"}, rollout.ChangedOptions{}},
		{"the migration's command", func(t *testing.T) {
			testcompose.Edit(t, compose, `command: ["migrations", "migrate", "--force"]`, `command: ["migrations", "migrate", "--force", "--log-level", "debug"]`)
		}, []string{"nginx", "relay", "snuba-migrate", "vroom"}, rollout.ChangedOptions{AllowSharedState: true}},
		{"the build context", func(t *testing.T) {
			appendFile(t, filepath.Join(dir, "sentry", "requirements.txt"), "\nsentry-plugins\n")
		}, nil, rollout.ChangedOptions{AllowSharedState: true}},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			e.edit(t)
			o := e.o
			o.Baseline = base.Namespace
			env, objs, _ := renderBranch(t, dir, "feature/x")
			full, err := rollout.PlanChanged(objs, env, base, o)
			if err != nil {
				t.Fatal(err)
			}

			app, p := prints(t, dir)
			some, left, err := app.RenderBorrowing(context.Background(), env, rollout.Unchanged(p, base))
			if err != nil {
				t.Fatal(err)
			}
			if e.rendered != nil {
				if got := workloadServices(some); !slices.Equal(got, e.rendered) {
					t.Errorf("rendered the workloads of %v, want %v", got, e.rendered)
				}
			}
			o.Left = left
			short, err := rollout.PlanChanged(some, env, base, o)
			if err != nil {
				t.Fatal(err)
			}
			if kinds(full.Objects)["Ingress"] == 0 && slices.Contains(e.rendered, "nginx") {
				t.Errorf("nginx publishes a port and berth.yaml sets a domain: no Ingress applied")
			}
			if !reflect.DeepEqual(short.Borrowing, full.Borrowing) || !reflect.DeepEqual(short.Why, full.Why) {
				t.Errorf("short render plans\n%+v\n%v\nthe full render\n%+v\n%v", short.Borrowing, short.Why, full.Borrowing, full.Why)
			}
			if a, b := yamlOf(t, short.Objects), yamlOf(t, full.Objects); !slices.Equal(a, b) {
				for i := range min(len(a), len(b)) {
					if a[i] != b[i] {
						t.Errorf("short render applies\n%s\nthe full one\n%s", a[i], b[i])
						break
					}
				}
				t.Errorf("short render applies %d objects, the full one %d", len(a), len(b))
			}
		})
	}
}

// prints loads the app in dir and returns it with its source prints.
func prints(t *testing.T, dir string) (*envs.App, map[string]string) {
	t.Helper()
	app, err := envs.LoadApp(context.Background(), envs.AppOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	p, err := app.SourcePrints()
	if err != nil {
		t.Fatal(err)
	}
	return app, p
}

func appendFile(t *testing.T, file, s string) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// workloadServices are the services of objs' workloads and Jobs, sorted.
func workloadServices(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		if s := o.GetLabels()["berth.dev/service"]; s != "" && envs.PodSpecPath(o.GetKind()) != nil && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// yamlOf is each object as YAML, sorted.
func yamlOf(t *testing.T, objs []*unstructured.Unstructured) []string {
	t.Helper()
	var out []string
	for _, o := range objs {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s/%s\n%s", o.GetKind(), o.GetName(), b))
	}
	sort.Strings(out)
	return out
}
