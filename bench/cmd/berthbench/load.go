package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/bench/scaleload"
	"github.com/berth-dev/berth/k8s"
)

// bulkClient is a client for the kubeconfig with a rate limit fit for
// creating thousands of objects.
func bulkClient(kubeconfig string) (kubernetes.Interface, error) {
	c, err := k8s.NewClient(k8s.Flags{Kubeconfig: kubeconfig})
	if err != nil {
		return nil, err
	}
	cfg := rest.CopyConfig(c.Config)
	cfg.QPS, cfg.Burst = 2000, 4000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("bulk client: %w", err)
	}
	return cs, nil
}

// runLoad creates the live-view scale load, waits until every pod runs and
// prints the run id (the only line on stdout).
func runLoad(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the (private) bench cluster")
	nsCount := fs.Int("namespaces", 500, "berth namespaces")
	podsPer := fs.Int("pods", 20, "pods per namespace")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cs, err := bulkClient(*kubeconfig)
	if err != nil {
		return err
	}
	run := "bench-" + runID()
	t0 := time.Now()
	l, err := scaleload.Create(ctx, cs, run, *nsCount, *podsPer)
	if err != nil {
		if l != nil {
			_ = l.Delete(context.Background(), cs)
		}
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	if err := l.WaitRunning(wctx, cs); err != nil {
		_ = l.Delete(context.Background(), cs)
		return err
	}
	fmt.Fprintf(os.Stderr, "load %s: %d namespaces × %d pods, all Running after %s\n", run, len(l.Namespaces), l.PodsPer, time.Since(t0).Round(time.Millisecond))
	fmt.Println(run)
	return nil
}

// runUnload deletes a load created by runLoad.
func runUnload(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("unload", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the bench cluster")
	run := fs.String("run", "", "run id printed by load")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cs, err := bulkClient(*kubeconfig)
	if err != nil {
		return err
	}
	l, err := scaleload.Open(ctx, cs, *run)
	if err != nil {
		return err
	}
	return l.Delete(ctx, cs)
}
