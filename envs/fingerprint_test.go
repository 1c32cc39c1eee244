package envs

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/internal/testcompose"
	"github.com/berth-dev/berth/meta"
)

// fingerprints renders the app in dir as branch and returns each
// workload's fingerprint by kind and base name (Jobs are content-named).
func fingerprints(t *testing.T, dir, branch string) map[string]string {
	t.Helper()
	_, _, objs := renderApp(t, dir, branch)
	return printsOf(t, objs)
}

// renderApp loads the app in dir and renders it as branch (App.Render,
// what up runs).
func renderApp(t *testing.T, dir, branch string) (*App, Env, []*unstructured.Unstructured) {
	t.Helper()
	app, err := LoadApp(context.Background(), AppOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	env, err := app.Env(Overrides{Branch: branch}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	objs, err := app.Render(env)
	if err != nil {
		t.Fatal(err)
	}
	return app, env, objs
}

// printsOf is the fingerprint of each workload of objs by kind and base
// name (Jobs are content-named).
func printsOf(t *testing.T, objs []*unstructured.Unstructured) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, o := range objs {
		if PodSpecPath(o.GetKind()) == nil {
			continue
		}
		name := o.GetName()
		if base := o.GetAnnotations()[meta.AnnotationJobName]; base != "" {
			name = base
		}
		fp := o.GetAnnotations()[meta.AnnotationFingerprint]
		if len(fp) != fingerprintLen {
			t.Fatalf("%s %s: fingerprint %q", o.GetKind(), name, fp)
		}
		out[o.GetKind()+"/"+name] = fp
	}
	return out
}

func differing(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if b[k] != v {
			out = append(out, k)
		}
	}
	return out
}

// Two branches of the same app render the same fingerprints (their
// namespaces and own image tags differ); a change to one service's
// command changes its fingerprint alone; a change to a config file or to
// a build context changes those of the services using it.
func TestFingerprintTellsChangedServices(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the 60-service app six times")
	}
	dir := t.TempDir()
	if err := genapp.WriteRealistic(dir, genapp.RealisticOptions{}); err != nil {
		t.Fatal(err)
	}
	main := fingerprints(t, dir, "main")
	if len(main) != genapp.DefaultServices {
		t.Fatalf("%d workloads fingerprinted, want %d", len(main), genapp.DefaultServices)
	}
	if d := differing(main, fingerprints(t, dir, "feature/x")); len(d) != 0 {
		t.Errorf("another branch of the same app differs in %v", d)
	}

	compose := filepath.Join(dir, "compose.yaml")
	testcompose.Edit(t, compose, `"--storage", "snuba-spans-consumer", "--consumer-group"`, `"--storage", "snuba-spans-consumer", "--max-batch-size", "100", "--consumer-group"`)
	if d := differing(main, fingerprints(t, dir, "feature/x")); len(d) != 1 || d[0] != "Deployment/snuba-spans-consumer" {
		t.Errorf("one command changed: differing %v, want [Deployment/snuba-spans-consumer]", d)
	}

	// relay/config.yml is mounted (a ConfigMap) by relay alone.
	testcompose.Edit(t, filepath.Join(dir, "relay", "config.yml"), "port: 3000", "port: 3001")
	if d := differing(main, fingerprints(t, dir, "feature/x")); len(d) != 2 {
		t.Errorf("relay's config changed: differing %v, want snuba-spans-consumer and relay", d)
	}

	// The sentry build context: every service of the image built from it.
	built := fingerprints(t, dir, "feature/x")
	testcompose.Edit(t, filepath.Join(dir, "sentry", "Dockerfile"), "pip install", "pip install --no-cache-dir")
	d := differing(built, fingerprints(t, dir, "feature/x"))
	if len(d) < 10 || !contains(d, "Deployment/web") || contains(d, "Deployment/snuba-api") {
		t.Errorf("the sentry build context changed: differing %v, want web and the other sentry services, not snuba-api", d)
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
