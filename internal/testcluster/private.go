package testcluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/k8s"
)

// EnvClusterDir is the variable localcluster/cluster.sh reads its state
// directory from.
const EnvClusterDir = "BERTH_CLUSTER_DIR"

// Private is a local cluster of its own, for fault tests that stop
// components or drain nodes: never the shared cluster others test on. It
// runs the same binaries as `make cluster` (localcluster/cluster.sh) on
// free ports, with all state in Dir.
type Private struct {
	// Dir holds the cluster's state: certificates, etcd data, logs,
	// kubeconfig, tokens.csv.
	Dir    string
	script string
}

// StartPrivate starts a cluster with its state in dir (created if missing)
// and waits until it is usable. Stop it with Down.
func StartPrivate(ctx context.Context, dir string) (*Private, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("private cluster dir: %w", err)
	}
	p := &Private{Dir: abs, script: filepath.Join(root, "localcluster", "cluster.sh")}
	if err := p.Up(ctx); err != nil {
		_ = p.Down(context.Background())
		return nil, err
	}
	return p, nil
}

// NewPrivate starts a private cluster in t.TempDir() and stops it and
// removes its state when the test ends. In -short mode the test is skipped.
func NewPrivate(t testing.TB) *Private {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts a private local cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, err := StartPrivate(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("start private cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Down(context.Background()); err != nil {
			t.Errorf("stop private cluster: %v", err)
		}
	})
	return p
}

// Kubeconfig is the path of the cluster's admin kubeconfig; its context
// "berth-local-developer" authenticates as the developer token user.
func (p *Private) Kubeconfig() string { return filepath.Join(p.Dir, "kubeconfig") }

// Client returns an admin client for the cluster.
func (p *Private) Client() (*k8s.Client, error) {
	return k8s.NewClient(k8s.Flags{Kubeconfig: p.Kubeconfig()})
}

// Up starts whatever is not running (on the same ports and data) and waits
// until the cluster is usable.
func (p *Private) Up(ctx context.Context) error { return p.run(ctx, "up") }

// StopComponent stops one component, e.g. "kube-apiserver"; Up restarts it.
func (p *Private) StopComponent(ctx context.Context, name string) error {
	return p.run(ctx, "stop", "--component", name)
}

// Down stops exactly the processes of this cluster and removes its state.
func (p *Private) Down(ctx context.Context) error { return p.run(ctx, "down") }

// run calls cluster.sh with the cluster's state directory.
func (p *Private) run(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, p.script, args...)
	cmd.Env = append(os.Environ(), EnvClusterDir+"="+p.Dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cluster.sh %s (%s): %w: %s", strings.Join(args, " "), p.Dir, err, strings.TrimSpace(out.String()))
	}
	return nil
}
