package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// pausedComponents are the cluster's components that act on applied objects
// (create ReplicaSets and pods, bind them, run them), stopped in this order.
var pausedComponents = []string{"kwok", "kube-scheduler", "kube-controller-manager"}

// controllerPause stops the components of a private local cluster
// (localcluster/) that turn applied workloads into pods, and starts them
// again.
type controllerPause struct {
	localcluster string // the localcluster/ directory (build.sh, cluster.sh)
	dir          string // the cluster's state directory (BERTH_CLUSTER_DIR)
	kcp          string // the kcp binary the cluster runs
	stopped      bool
}

// newControllerPause finds the kcp binary through localcluster/build.sh,
// which prints "<kcpdir>:<kwokdir>" (and builds only what is missing).
func newControllerPause(ctx context.Context, localcluster, dir string) (*controllerPause, error) {
	lc, err := filepath.Abs(localcluster)
	if err != nil {
		return nil, err
	}
	r, err := command{name: filepath.Join(lc, "build.sh")}.run(ctx)
	if err != nil {
		return nil, fmt.Errorf("find the kcp binary: %w", err)
	}
	bins := strings.TrimSpace(r.stdout)
	kcpDir, _, ok := strings.Cut(bins, ":")
	if !ok {
		return nil, fmt.Errorf("localcluster/build.sh printed %q, want <kcpdir>:<kwokdir>:<crddir>", bins)
	}
	return &controllerPause{localcluster: lc, dir: dir, kcp: filepath.Join(kcpDir, "kcp")}, nil
}

// stop stops the components. Callers defer resume first: a failure halfway
// leaves some stopped.
func (p *controllerPause) stop(ctx context.Context) error {
	p.stopped = true
	for _, name := range pausedComponents {
		if _, err := (command{name: p.kcp, args: []string{"stop", "--component", name, "--dir", p.dir}}).run(ctx); err != nil {
			return fmt.Errorf("stop %s: %w", name, err)
		}
	}
	return nil
}

// resume starts whatever is down with `cluster.sh up` (which restarts the
// whole cluster on its data and ports once any component is down) and
// returns how long that took. It runs even when ctx is cancelled (Ctrl-C),
// so the cluster is never left without its controllers; a no-op unless
// stop ran.
func (p *controllerPause) resume(ctx context.Context) (time.Duration, error) {
	if !p.stopped {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
	defer cancel()
	r, err := command{
		name: filepath.Join(p.localcluster, "cluster.sh"),
		args: []string{"up"},
		env:  []string{"BERTH_CLUSTER_DIR=" + p.dir},
	}.run(ctx)
	if err != nil {
		return 0, fmt.Errorf("restart the cluster's controllers: %w", err)
	}
	p.stopped = false
	return r.wall, nil
}
