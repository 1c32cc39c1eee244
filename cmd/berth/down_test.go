package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

// cliEnv creates a namespace labelled as berth's environment of project,
// with extra annotations; it is deleted when the test ends.
func cliEnv(t *testing.T, c *k8s.Client, project, branch string, ann map[string]string) string {
	t.Helper()
	return testcluster.EnvNamespace(t, c, "cli", project, branch, ann)
}

// berthAt runs berth against the test cluster from an empty directory
// (so no berth.yaml of the repo is picked up), with stdin in.
func berthAt(t *testing.T, ctx context.Context, in io.Reader, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"berth", "--kubeconfig", testcluster.Kubeconfig(t)}, args...)
	code := run(ctx, args, in, &out, &errOut)
	return code, out.String(), errOut.String()
}

// webhook records the texts posted to it.
type webhook struct {
	srv   *httptest.Server
	mu    sync.Mutex
	texts []string
}

func newWebhook(t *testing.T) *webhook {
	w := &webhook{}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var body struct{ Text string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		w.mu.Lock()
		w.texts = append(w.texts, body.Text)
		w.mu.Unlock()
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *webhook) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.texts...)
}

// shopRepo copies examples/shop into a git repo on branch, with project
// and webhook set in its berth.yaml.
func shopRepo(t *testing.T, branch, project, hook string) string {
	t.Helper()
	return testcluster.ExampleRepo(t, "shop", branch, func(rel string, data []byte) []byte {
		if rel != envs.ConfigFile {
			return data
		}
		return regexp.MustCompile(`(?m)^project: .*$`).ReplaceAll(data, []byte("project: "+project+"\nwebhook: "+hook))
	})
}

func TestDownCommandRefusesForeignNamespace(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	foreign := testcluster.Namespace(t, c, "cli-foreign")
	if _, err := c.Typed.CoreV1().ConfigMaps(foreign).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "keep"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := berthAt(t, ctx, strings.NewReader(""), "down", foreign, "--yes", "--wait", "--project", "shop", "--dir", t.TempDir())
	if code != exitError || !strings.Contains(stderr, "not owned by berth") || !strings.Contains(stderr, "app.kubernetes.io/managed-by") {
		t.Fatalf("exit %d, stderr %q; want 1 and the ownership error", code, stderr)
	}
	n, err := c.Typed.CoreV1().Namespaces().Get(ctx, foreign, metav1.GetOptions{})
	if err != nil || n.DeletionTimestamp != nil || n.Labels["berth.dev/test"] != "true" {
		t.Fatalf("foreign namespace after a refused down: %v, %+v", err, n)
	}
	if _, err := c.Typed.CoreV1().ConfigMaps(foreign).Get(ctx, "keep", metav1.GetOptions{}); err != nil {
		t.Errorf("object in the foreign namespace: %v", err)
	}
}

func TestDownCommandNeedsConfirmation(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	project := testcluster.UniqueName("p")
	ns := cliEnv(t, c, project, "main", nil)
	dir := t.TempDir()

	// stdin is not a terminal: --yes is required, nothing changes.
	code, _, stderr := berthAt(t, ctx, strings.NewReader("y\n"), "down", ns, "--project", project, "--dir", dir)
	if code != exitUsage || !strings.Contains(stderr, "--yes") {
		t.Fatalf("down without --yes: exit %d, %q; want 2 asking for --yes", code, stderr)
	}
	if n, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil || n.DeletionTimestamp != nil {
		t.Fatalf("env deleted without confirmation: %v", err)
	}
	// Another project's env is refused even with --yes.
	code, _, stderr = berthAt(t, ctx, nil, "down", ns, "--yes", "--project", "other", "--dir", dir)
	if code != exitError || !strings.Contains(stderr, `not "other"`) {
		t.Fatalf("down of another project's env: exit %d, %q", code, stderr)
	}
	// A missing env is an error.
	code, _, stderr = berthAt(t, ctx, nil, "down", "no-such-branch", "--yes", "--project", project, "--dir", dir)
	if code != exitError || !strings.Contains(stderr, "dev-"+project+"-no-such-branch") || !strings.Contains(stderr, "not found") {
		t.Fatalf("down of a missing env: exit %d, %q", code, stderr)
	}
	if code, _, stderr := berthAt(t, ctx, nil, "down", "a", "b"); code != exitUsage {
		t.Errorf("down with two arguments: exit %d, %q", code, stderr)
	}
}
