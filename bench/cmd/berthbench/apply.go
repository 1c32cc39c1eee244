package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/bench/apimetrics"
	"github.com/berth-dev/berth/bench/scaleload"
	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/rollout"
)

// runApply measures berth's apply phase alone on N objects of a generated
// app: the namespace, then the quota, then everything else with parallel
// server-side apply (berth's ApplyAll, 16 at once, as `berth up` applies a
// step). Baseline: one `kubectl apply --server-side -f` of the same objects.
//
// It measures twice. First as on any cluster: the controller-manager,
// scheduler and kwok turn every workload into ReplicaSets and running pods
// while the rest is still being applied, on the same cores; the apiserver's
// request counts during berth's phase show that cascade. Then, given the
// private cluster's directory, the apply path alone: those three stopped for
// the applies. The target (< 1 s) is judged on the second; the first is
// reported beside it.
func runApply(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	berth := fs.String("berth", "bin/berth", "the berth binary (renders the objects)")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster to use")
	n := fs.Int("objects", 200, "objects to apply")
	parallel := fs.Int("parallel", 16, "applies in flight (berth up's default)")
	runs := fs.Int("runs", 3, "runs of each (median reported)")
	qps := fs.Float64("qps", 0, "client QPS override for experiments (0: berth's default, <0: no client-side limit)")
	clusterDir := fs.String("cluster-dir", "", "state directory of the private local cluster behind -kubeconfig (BERTH_CLUSTER_DIR); "+
		"needed to stop its controllers for the apply-path-alone measurement, skipped when empty")
	localcluster := fs.String("localcluster", "localcluster", "the localcluster/ directory (build.sh finds kcp, cluster.sh restarts)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bin, err := filepath.Abs(*berth)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "berthbench-apply-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	// About 1.5 objects per generated service, plus the env's own; no
	// quota, whose PVC limit a 200-object app exceeds.
	repo, err := gitRepo(ctx, work, "bulk", "", map[string]string{
		"compose.yaml": genapp.Compose(*n*2/3 + 8),
		"berth.yaml":   "quota: {enabled: false}\n",
	})
	if err != nil {
		return err
	}
	c, err := k8s.NewClient(k8s.Flags{Kubeconfig: *kubeconfig})
	if err != nil {
		return err
	}
	if *clusterDir != "" {
		// Stop the controllers of the cluster the objects go to, no other.
		own, err := k8s.NewClient(k8s.Flags{Kubeconfig: filepath.Join(*clusterDir, "kubeconfig")})
		if err != nil {
			return fmt.Errorf("-cluster-dir: %w", err)
		}
		if own.Config.Host != c.Config.Host {
			return fmt.Errorf("-cluster-dir %s serves %s, but -kubeconfig points at %s", *clusterDir, own.Config.Host, c.Config.Host)
		}
	}
	cfg := rest.CopyConfig(c.Config)
	if *qps != 0 {
		cfg.QPS, cfg.Burst = float32(*qps), max(1, int(*qps)*2)
	}
	counter := apimetrics.NewCounter(apimetrics.RequestKey)
	cfg.Wrap(counter.Wrap)
	if c, err = k8s.NewClientForConfig(cfg, nil); err != nil {
		return err
	}
	a := &applyBench{bin: bin, repo: repo, work: work, kubeconfig: *kubeconfig, n: *n, parallel: *parallel, c: c, counter: counter, id: runID()}

	fmt.Println("controllers running (as on any cluster): kube-controller-manager, kube-scheduler and kwok create, bind and run the workloads' pods as they land")
	var live applyResults
	for i := range *runs {
		r, err := a.berth(ctx, fmt.Sprintf("r%d", i))
		if derr := deleteNamespaces(ctx, *kubeconfig, named(r.ns)...); derr != nil && err == nil {
			err = derr
		}
		if err != nil {
			return err
		}
		k, err := a.kubectl(ctx, fmt.Sprintf("r%d", i))
		if derr := deleteNamespaces(ctx, *kubeconfig, named(k.ns)...); derr != nil && err == nil {
			err = derr
		}
		if err != nil {
			return err
		}
		live.add(r, k)
		fmt.Printf("  run %d  berth %s  kubectl %s  (apiserver during berth's: %s; %.0f other requests)\n",
			i+1, ms(r.wall), ms(k.wall), r.api.apply, total(r.api.others))
	}
	live.print(a)

	fmt.Println()
	if *clusterDir == "" {
		fmt.Println("apply path alone (controllers paused): SKIPPED — no -cluster-dir, so berthbench cannot stop the cluster's controllers")
		fmt.Printf("\ntarget: apply phase for %d objects < 1 s — apply path alone not measured (not judged); "+
			"with the controllers starting %d workloads' pods on the same cores %s (reported, kubectl %s, %s)\n",
			*n, live.workloads, ms(live.b()), ms(live.k()), ratio(live.b(), live.k()))
		return nil
	}
	fmt.Println("apply path alone (controllers paused): kube-controller-manager, kube-scheduler and kwok stopped during the applies")
	alone, err := a.paused(ctx, *localcluster, *clusterDir, *runs)
	if err != nil {
		return err
	}
	alone.print(a)
	fmt.Printf("\ntarget: apply phase for %d objects < 1 s — apply path alone %s (%s); "+
		"with the controllers starting %d workloads' pods on the same cores %s (reported, kubectl %s, %s)\n",
		*n, ms(alone.b()), verdict(alone.b() < time.Second),
		live.workloads, ms(live.b()), ms(live.k()), ratio(live.b(), live.k()))
	return nil
}

// paused runs the measurement with the cluster's controllers stopped. Each
// run pauses them once: the namespaces can only go (and free their service
// IPs — the private cluster has ~250) once the controller-manager is back.
func (a *applyBench) paused(ctx context.Context, localcluster, dir string, runs int) (applyResults, error) {
	var res applyResults
	p, err := newControllerPause(ctx, localcluster, dir)
	if err != nil {
		return res, err
	}
	for i := range runs {
		r, k, took, err := a.pausedRun(ctx, p, fmt.Sprintf("p%d", i))
		if err != nil {
			return res, err
		}
		res.add(r, k)
		fmt.Printf("  run %d  berth %s  kubectl %s  (apiserver during berth's: %s; %.0f other requests; cluster restarted in %s)\n",
			i+1, ms(r.wall), ms(k.wall), r.api.apply, total(r.api.others), ms(took))
	}
	return res, nil
}

// pausedRun stops the controllers, applies with berth then kubectl, and —
// on any error too — deletes the namespaces while the controllers are still
// stopped, starts the controllers again and waits for the namespaces to go.
// Deleted first, the namespaces are Terminating when the controllers come
// back, so no ReplicaSet or pod is created for what was applied: restarted
// kwok was seen to miss pods bound while it started, which then never
// terminate. The content is removed by the controller-manager's namespace
// controller, after the restart.
func (a *applyBench) pausedRun(ctx context.Context, p *controllerPause, run string) (r, k phase, took time.Duration, err error) {
	defer func() {
		// Even when ctx was cancelled (Ctrl-C).
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
		defer cancel()
		namespaces := append(named(r.ns), named(k.ns)...)
		for _, ns := range namespaces {
			if derr := a.c.Typed.CoreV1().Namespaces().Delete(cctx, ns, metav1.DeleteOptions{}); derr != nil && !apierrors.IsNotFound(derr) {
				err = errors.Join(err, fmt.Errorf("delete namespace %s: %w", ns, derr))
			}
		}
		t, rerr := p.resume(cctx)
		took = t
		if rerr != nil {
			err = errors.Join(err, rerr)
			return
		}
		if t > 0 {
			// `cluster.sh up` restarted the apiserver too: drop the
			// client's dead connection.
			c, cerr := k8s.NewClientForConfig(a.c.Config, nil)
			if cerr != nil {
				err = errors.Join(err, cerr)
				return
			}
			a.c = c
		}
		// Already Terminating: this only waits for them to go.
		if werr := deleteNamespaces(cctx, a.kubeconfig, namespaces...); werr != nil {
			err = errors.Join(err, werr)
		}
	}()
	if err := p.stop(ctx); err != nil {
		return r, k, 0, err
	}
	if r, err = a.berth(ctx, run); err != nil {
		return r, k, 0, err
	}
	k, err = a.kubectl(ctx, run)
	return r, k, 0, err
}

// applyBench is one `berthbench apply`: the app, the cluster, the client.
type applyBench struct {
	bin, repo, work, kubeconfig string
	n, parallel                 int
	c                           *k8s.Client
	counter                     *apimetrics.Counter // c's requests
	id                          string
}

// phase is one timed apply of the objects into a fresh namespace.
type phase struct {
	ns        string
	wall      time.Duration
	batches   int
	workloads int
	api       window // berth's only
}

// berth applies the objects with berth's apply code, in this process, into
// the namespace of a fresh branch, and scrapes the apiserver around it. The
// namespace is returned (for deletion) even with an error.
func (a *applyBench) berth(ctx context.Context, run string) (phase, error) {
	batches, ns, err := batchesFor(ctx, a.bin, a.repo, fmt.Sprintf("bench/apply-%s-b%s", a.id, run), a.n)
	p := phase{ns: ns, batches: len(batches), workloads: workloads(batches)}
	if err != nil {
		return p, err
	}
	// Discovery first, outside the timing, so every run times the same
	// thing (a run right after the controllers' restart has a fresh client).
	for _, b := range batches {
		for _, o := range b {
			gvk := o.GroupVersionKind()
			if _, err := a.c.Mapper.Mapping(ctx, gvk); err != nil {
				return p, fmt.Errorf("discovery: %w", err)
			}
		}
	}
	m0, err := scrapeAPI(ctx, a.c)
	if err != nil {
		return p, err
	}
	c0 := a.counter.Snapshot()
	t0 := time.Now()
	for _, b := range batches {
		if err := a.c.ApplyAll(ctx, b, a.parallel, nil); err != nil {
			return p, fmt.Errorf("berth apply: %w", err)
		}
	}
	p.wall = time.Since(t0)
	own := apimetrics.Delta(c0, a.counter.Snapshot())
	m1, err := scrapeAPI(ctx, a.c)
	if err != nil {
		return p, err
	}
	p.api = windowOf(m0, m1, own)
	return p, nil
}

// kubectl applies the same objects in the same order with one `kubectl apply
// --server-side -f` into the namespace of another fresh branch.
func (a *applyBench) kubectl(ctx context.Context, run string) (phase, error) {
	batches, ns, err := batchesFor(ctx, a.bin, a.repo, fmt.Sprintf("bench/apply-%s-k%s", a.id, run), a.n)
	p := phase{ns: ns}
	if err != nil {
		return p, err
	}
	file := filepath.Join(a.work, fmt.Sprintf("objects-%s.yaml", run))
	var all []*unstructured.Unstructured
	for _, b := range batches {
		all = append(all, b...)
	}
	if err := writeObjects(file, all); err != nil {
		return p, err
	}
	// Not command.run: its error would show kubectl's 200 lines of stdout,
	// not the failure on stderr.
	cmd := exec.CommandContext(ctx, "kubectl", "--kubeconfig", a.kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	err = cmd.Run()
	p.wall = time.Since(t0)
	if err != nil {
		return p, fmt.Errorf("kubectl apply --server-side of %d objects: %w\n%s", len(all), err, tail(stderr.String(), 2000))
	}
	return p, nil
}

// applyResults are the runs of one configuration.
type applyResults struct {
	berths, kubectls   []time.Duration
	batches, workloads int
	windows            []window
}

func (r *applyResults) add(b, k phase) {
	r.berths = append(r.berths, b.wall)
	r.kubectls = append(r.kubectls, k.wall)
	r.batches, r.workloads = b.batches, b.workloads
	r.windows = append(r.windows, b.api)
}

func (r *applyResults) b() time.Duration { return scaleload.Median(r.berths) }
func (r *applyResults) k() time.Duration { return scaleload.Median(r.kubectls) }

// print prints the medians, the ratio and the apiserver's request mix.
func (r *applyResults) print(a *applyBench) {
	b, k := r.b(), r.k()
	m := mixOf(r.windows...)
	fmt.Printf("berth apply phase, %d objects (%d workloads; %d ordered batches, %d in flight): %s\n", a.n, r.workloads, r.batches, a.parallel, ms(b))
	fmt.Printf("baseline: kubectl apply --server-side -f, same objects:               %s   berth ÷ kubectl = %s\n", ms(k), ratio(b, k))
	fmt.Printf("apiserver requests during berth's phase, mean per run:\n")
	fmt.Printf("  berth's own    %4.0f: %s\n", total(m.own), top(m.own, 4))
	fmt.Printf("  everyone else  %4.0f: %s\n", total(m.others), top(m.others, 8))
}

// named drops the empty name of a namespace never known (render failed).
func named(ns string) []string {
	if ns == "" {
		return nil
	}
	return []string{ns}
}

// workloads counts the objects whose kind makes the controllers start pods.
func workloads(batches [][]*unstructured.Unstructured) int {
	n := 0
	for _, b := range batches {
		for _, o := range b {
			switch o.GetKind() {
			case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod":
				n++
			}
		}
	}
	return n
}

// serverTime is the apiserver's count and summed duration of APPLY requests.
type serverTime struct {
	count float64
	sum   float64 // seconds
}

func (a serverTime) sub(b serverTime) serverTime { return serverTime{a.count - b.count, a.sum - b.sum} }

func (a serverTime) String() string {
	if a.count == 0 {
		return "no APPLY requests seen"
	}
	return fmt.Sprintf("%.0f APPLY, %.0f ms server time each on average", a.count, a.sum/a.count*1000)
}

// batchesFor renders the app for branch and returns its first n objects in
// apply order — namespace, quota and limits, then everything else (no
// waits, so the rest has no order) — and the namespace.
func batchesFor(ctx context.Context, bin, repo, branch string, n int) ([][]*unstructured.Unstructured, string, error) {
	objs, err := render(ctx, bin, repo, branch)
	if err != nil {
		return nil, "", err
	}
	ns, err := namespaceOf(objs)
	if err != nil {
		return nil, "", err
	}
	steps, err := rollout.Plan(objs)
	if err != nil {
		return nil, ns, err
	}
	var out [][]*unstructured.Unstructured
	var rest []*unstructured.Unstructured
	left := n
	for _, s := range steps {
		if s.WaitOnly || left == 0 {
			continue
		}
		objs := s.Objects[:min(len(s.Objects), left)]
		left -= len(objs)
		if s.Name == "namespace" || s.Name == "quota" {
			out = append(out, objs)
			continue
		}
		rest = append(rest, objs...)
	}
	if left > 0 {
		return nil, ns, fmt.Errorf("the generated app renders only %d objects, want %d", n-left, n)
	}
	return append(out, rest), ns, nil
}
