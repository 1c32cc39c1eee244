package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/bench/apimetrics"
	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/k8s"
)

// runApply measures berth's apply phase alone on N objects of a generated
// app: the namespace, then the quota, then everything else with parallel
// server-side apply (berth's ApplyAll, 16 at once, as `berth up` applies a
// step). Baseline: one `kubectl apply --server-side -f` of the same objects.
func runApply(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	berth := fs.String("berth", "bin/berth", "the berth binary (renders the objects)")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster to use")
	n := fs.Int("objects", 200, "objects to apply")
	parallel := fs.Int("parallel", 16, "applies in flight (berth up's default)")
	runs := fs.Int("runs", 3, "runs of each (median reported)")
	qps := fs.Float64("qps", 0, "client QPS override for experiments (0: berth's default, <0: no client-side limit)")
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
	if *qps != 0 {
		cfg := rest.CopyConfig(c.Config)
		cfg.QPS, cfg.Burst = float32(*qps), max(1, int(*qps)*2)
		if c, err = k8s.NewClientForConfig(cfg, nil); err != nil {
			return err
		}
	}
	id := runID()
	var berths, kubectls []time.Duration
	var batches int
	var serverTimes []serverTime
	for i := range *runs {
		// berth's apply code, in this process.
		batchesOf, ns, err := batchesFor(ctx, bin, repo, fmt.Sprintf("bench/apply-%s-b%d", id, i), *n)
		if err != nil {
			return err
		}
		batches = len(batchesOf)
		m0, err := applyServerTime(ctx, c)
		if err != nil {
			return err
		}
		t0 := time.Now()
		for _, b := range batchesOf {
			if err := c.ApplyAll(ctx, b, *parallel, nil); err != nil {
				_ = deleteNamespaces(ctx, *kubeconfig, ns)
				return fmt.Errorf("berth apply: %w", err)
			}
		}
		berths = append(berths, time.Since(t0))
		m1, err := applyServerTime(ctx, c)
		if err != nil {
			return err
		}
		serverTimes = append(serverTimes, m1.sub(m0))
		if err := deleteNamespaces(ctx, *kubeconfig, ns); err != nil {
			return err
		}

		// kubectl, one process, the same objects in the same order.
		batchesOf, ns, err = batchesFor(ctx, bin, repo, fmt.Sprintf("bench/apply-%s-k%d", id, i), *n)
		if err != nil {
			return err
		}
		file := filepath.Join(work, fmt.Sprintf("objects-%d.yaml", i))
		var all []*unstructured.Unstructured
		for _, b := range batchesOf {
			all = append(all, b...)
		}
		if err := writeObjects(file, all); err != nil {
			return err
		}
		r, err := command{name: "kubectl", args: []string{"--kubeconfig", *kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", file}}.run(ctx)
		if derr := deleteNamespaces(ctx, *kubeconfig, ns); derr != nil && err == nil {
			err = derr
		}
		if err != nil {
			return err
		}
		kubectls = append(kubectls, r.wall)
		fmt.Printf("  run %d  berth %s  kubectl %s  (apiserver during berth's: %s)\n", i+1, ms(berths[i]), ms(r.wall), serverTimes[i])
	}
	b, k := median(berths), median(kubectls)
	fmt.Printf("\nberth apply phase, %d objects (%d ordered batches, %d in flight): %s\n", *n, batches, *parallel, ms(b))
	fmt.Printf("baseline: kubectl apply --server-side -f, same objects:          %s   berth ÷ kubectl = %s\n", ms(k), ratio(b, k))
	fmt.Printf("target: apply phase for %d objects < 1 s: %s (%s)\n", *n, ms(b), verdict(b < time.Second))
	return nil
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

// applyServerTime scrapes the apiserver's APPLY request durations.
func applyServerTime(ctx context.Context, c *k8s.Client) (serverTime, error) {
	ss, err := apimetrics.Scrape(ctx, c.Typed.Discovery().RESTClient(), "apiserver_request_duration_seconds_")
	if err != nil {
		return serverTime{}, err
	}
	apply := func(l map[string]string) bool { return l["verb"] == "APPLY" }
	return serverTime{
		count: ss.SumBy("apiserver_request_duration_seconds_count", "verb", apply)["APPLY"],
		sum:   ss.SumBy("apiserver_request_duration_seconds_sum", "verb", apply)["APPLY"],
	}, nil
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
	steps, err := envs.Plan(objs)
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
