package clustertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/internal/testcluster"
)

const corpusDir = "../../testdata/compose-corpus/awesome-compose"

// TestDevOverlayServerDryRun writes every corpus app's tree and applies its
// dev overlay with `kubectl apply --dry-run=server -k` in a fresh namespace
// of the local cluster; the object count must match krusty's build.
func TestDevOverlayServerDryRun(t *testing.T) {
	kubeconfig := testcluster.Kubeconfig(t)
	client := testcluster.Client(t)
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl not found: %v", err)
	}
	ents, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatalf("compose corpus missing: %v", err)
	}
	var apps []string
	for _, e := range ents {
		if e.IsDir() {
			apps = append(apps, e.Name())
		}
	}
	sort.Strings(apps)
	ns := testcluster.Namespace(t, client, "convert")
	for _, app := range apps {
		t.Run(app, func(t *testing.T) {
			dir, err := filepath.Abs(filepath.Join(corpusDir, app))
			if err != nil {
				t.Fatal(err)
			}
			p, err := compose.Load(context.Background(), compose.LoadOptions{WorkingDir: dir, Environment: []string{}})
			if err != nil {
				t.Fatal(err)
			}
			b, err := compose.Convert(p, compose.Options{})
			if err != nil {
				t.Fatal(err)
			}
			fs := filesys.MakeFsInMemory()
			for path, data := range b.Files {
				if err := fs.WriteFile("/out/"+path, data); err != nil {
					t.Fatal(err)
				}
			}
			m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/out/overlays/dev")
			if err != nil {
				t.Fatalf("kustomize build: %v", err)
			}
			// what users run: kubectl's own kustomize over the written tree
			out := filepath.Join(t.TempDir(), "deploy")
			if err := b.Write(out, compose.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, kubectl, "apply", "--dry-run=server", "-n", ns, "-k", filepath.Join(out, "overlays", "dev"))
			cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
			res, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("kubectl apply --dry-run=server -k: %v\n%s", err, res)
			}
			if n := strings.Count(string(res), "(server dry run)"); n != m.Size() {
				t.Errorf("%d of %d objects dry-run applied:\n%s", n, m.Size(), res)
			}
		})
	}
}
