package envs

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/internal/testcompose"
)

// renderedPrints renders the app in dir as branch with the overlay built
// once (App.Render, what up runs) and, for reference, built as before
// (the tree alone for the own images, then the overlay with every image
// entry left to kustomize), and returns each way's fingerprints by
// workload (kind and base name).
func renderedPrints(t *testing.T, dir, branch string) (one, two map[string]string) {
	t.Helper()
	app, env, objs := renderApp(t, dir, branch)
	files, err := DecryptSecrets(context.Background(), app.Files, app.BaseDir)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := overlay(files, app.BaseDir, env, app.Config, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Fingerprint(ref, env, DirDigest(app.Root)); err != nil {
		t.Fatal(err)
	}
	return printsOf(t, objs), printsOf(t, ref)
}

// Changed mode decides per service from fingerprints: for each kind of
// edit a branch makes to the realistic app (an environment variable, an
// image, a config file's content, a secret, a command, a build context),
// the fingerprints of the baseline (main, before the edit) and of the
// branch are the same whether the overlay is built once or as before, so
// the same services count as changed — the edited ones — and every other
// one stays borrowed.
func TestFingerprintsOneBuildDecideAsTwo(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the 60-service app 28 times")
	}
	edits := []struct {
		name, file, old, new string
		want                 func(d []string) bool
	}{
		{"nothing", "", "", "", func(d []string) bool { return len(d) == 0 }},
		{"env", "compose.yaml", "      SENTRY_SNUBA_HOST: http://snuba-api:1218\n", "      SENTRY_SNUBA_HOST: http://snuba-api:1218\n      VROOM_LOG_LEVEL: debug\n",
			func(d []string) bool { return slices.Equal(d, []string{"Deployment/vroom"}) }},
		{"image", "compose.yaml", "image: memcached:1.6.26-alpine", "image: memcached:1.6.29-alpine",
			func(d []string) bool { return len(d) == 1 && filepath.Base(d[0]) == "memcached" }},
		{"config file", "relay/config.yml", "port: 3000", "port: 3001",
			func(d []string) bool { return slices.Equal(d, []string{"Deployment/relay"}) }},
		{"secret", "secrets/postgres-password.txt", "postgres-password", "another-password",
			func(d []string) bool {
				return len(d) >= 1 && slices.ContainsFunc(d, func(s string) bool { return filepath.Base(s) == "postgres" })
			}},
		{"command", "compose.yaml", `"--storage", "snuba-spans-consumer", "--consumer-group"`, `"--storage", "snuba-spans-consumer", "--max-batch-size", "100", "--consumer-group"`,
			func(d []string) bool { return slices.Equal(d, []string{"Deployment/snuba-spans-consumer"}) }},
		{"build context", "sentry/Dockerfile", "pip install", "pip install --no-cache-dir",
			func(d []string) bool {
				return len(d) >= 10 && slices.Contains(d, "Deployment/web") && !slices.Contains(d, "Deployment/snuba-api")
			}},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := genapp.WriteRealistic(dir, genapp.RealisticOptions{}); err != nil {
				t.Fatal(err)
			}
			baseOne, baseTwo := renderedPrints(t, dir, "main")
			if e.file != "" {
				testcompose.Edit(t, filepath.Join(dir, filepath.FromSlash(e.file)), e.old, e.new)
			}
			branchOne, branchTwo := renderedPrints(t, dir, "feature/x")
			for _, c := range []struct {
				name     string
				one, two map[string]string
			}{{"baseline", baseOne, baseTwo}, {"branch", branchOne, branchTwo}} {
				if len(c.one) != genapp.DefaultServices || len(c.one) != len(c.two) {
					t.Fatalf("%s: %d workloads fingerprinted built once, %d as before, want %d", c.name, len(c.one), len(c.two), genapp.DefaultServices)
				}
				if d := differing(c.one, c.two); len(d) != 0 {
					t.Errorf("%s: fingerprints differ between the ways of building in %v", c.name, d)
				}
			}
			changed, before := differing(baseOne, branchOne), differing(baseTwo, branchTwo)
			slices.Sort(changed)
			slices.Sort(before)
			if !slices.Equal(changed, before) {
				t.Errorf("changed: %v built once, %v as before", changed, before)
			}
			if !e.want(changed) {
				t.Errorf("changed: %v", changed)
			}
		})
	}
}
