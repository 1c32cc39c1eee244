package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/bench/scaleload"
	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/rollout"
)

// spinupConfig is what one spin-up measurement needs.
type spinupConfig struct {
	bin, kubeconfig, repo, work string
}

// runSpinup measures `berth up` of an example app to all-Ready against the
// kubectl floor of the same rendered objects, in the same run, alternating.
func runSpinup(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("spinup", flag.ContinueOnError)
	berth := fs.String("berth", "bin/berth", "the berth binary")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster to use")
	example := fs.String("example", "examples/shop", "the app to deploy")
	realistic := fs.Int("realistic", 0, "deploy genapp.Realistic of this many services instead of -example")
	target := fs.Float64("target", 1.15, "target ratio of berth up to the baseline")
	targetOf := fs.String("target-of", "floor", "the baseline of the target: floor or all-at-once")
	runs := fs.Int("runs", 3, "runs of each (median reported)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *targetOf != "floor" && *targetOf != "all-at-once" {
		return fmt.Errorf("-target-of %q: want floor or all-at-once", *targetOf)
	}
	bin, err := filepath.Abs(*berth)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "berthbench-spinup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	src, err := spinupSource(work, *example, *realistic)
	if err != nil {
		return err
	}
	repo, err := gitRepo(ctx, work, filepath.Base(src), src, nil)
	if err != nil {
		return err
	}
	c := spinupConfig{bin: bin, kubeconfig: *kubeconfig, repo: repo, work: work}
	id := runID()
	var ups, floors, flats []time.Duration
	for i := range *runs {
		for _, m := range []struct {
			name string
			do   func(context.Context, string) (time.Duration, string, error)
			into *[]time.Duration
		}{
			{"berth up", c.berthUp, &ups},
			{"floor", c.floorOrdered, &floors},
			{"all-at-once", c.floorAllAtOnce, &flats},
		} {
			branch := fmt.Sprintf("bench/%s-%s-%d", strings.ReplaceAll(m.name, " ", "-"), id, i)
			d, ns, err := m.do(ctx, branch)
			if ns != "" {
				if derr := deleteNamespaces(ctx, c.kubeconfig, ns); derr != nil && err == nil {
					err = derr
				}
			}
			if err != nil {
				return fmt.Errorf("%s run %d: %w", m.name, i+1, err)
			}
			*m.into = append(*m.into, d)
			fmt.Printf("  run %d %-12s %s\n", i+1, m.name, ms(d))
		}
	}
	up, floor, flat := scaleload.Median(ups), scaleload.Median(floors), scaleload.Median(flats)
	fmt.Printf("\nberth up %s to all-Ready (whole process):          %s\n", appName(src, *realistic), ms(up))
	fmt.Printf("floor: kubectl, same objects, compose order:       %s   berth ÷ floor = %s\n", ms(floor), ratio(up, floor))
	fmt.Printf("  (kubectl apply --server-side per step + parallel rollout status / wait --for=condition=complete)\n")
	fmt.Printf("all at once: one apply -k + parallel waits:        %s   berth ÷ all-at-once = %s (ignores depends_on)\n", ms(flat), ratio(up, flat))
	base := floor
	if *targetOf == "all-at-once" {
		base = flat
	}
	fmt.Printf("target: berth up ≤ %.2f× the %s: %s (%s)\n", *target, *targetOf, ratio(up, base), verdict(float64(up) <= *target*float64(base)))
	return nil
}

// spinupSource returns the app directory to deploy: example, or a
// genapp.Realistic app of realistic services written under work.
func spinupSource(work, example string, realistic int) (string, error) {
	if realistic == 0 {
		return filepath.Abs(example)
	}
	dir := filepath.Join(work, "src", "sentry")
	if err := genapp.WriteRealistic(dir, genapp.RealisticOptions{Services: realistic}); err != nil {
		return "", err
	}
	return dir, nil
}

// appName names the deployed app in the summary.
func appName(src string, realistic int) string {
	if realistic == 0 {
		return filepath.Base(src)
	}
	return fmt.Sprintf("realistic-%d", realistic)
}

// berthUp runs the real `berth up` for branch and times it to exit 0 (every
// workload rolled out, every Job complete).
func (c spinupConfig) berthUp(ctx context.Context, branch string) (time.Duration, string, error) {
	objs, err := render(ctx, c.bin, c.repo, branch)
	if err != nil {
		return 0, "", err
	}
	ns, err := namespaceOf(objs)
	if err != nil {
		return 0, "", err
	}
	r, err := command{dir: c.repo, name: c.bin, args: []string{"--kubeconfig", c.kubeconfig, "up", "--branch", branch}}.run(ctx)
	return r.wall, ns, err
}

// planned renders the app for branch with berth, plans it like `berth up`
// and makes a work directory for kubectl's files.
func (c spinupConfig) planned(ctx context.Context, branch, prefix string) (objs []*unstructured.Unstructured, ns string, steps []rollout.Step, dir string, err error) {
	if objs, err = render(ctx, c.bin, c.repo, branch); err != nil {
		return nil, "", nil, "", err
	}
	if ns, err = namespaceOf(objs); err != nil {
		return nil, "", nil, "", err
	}
	if steps, err = rollout.Plan(objs); err != nil {
		return nil, ns, nil, "", err
	}
	if dir, err = os.MkdirTemp(c.work, prefix); err != nil {
		return nil, ns, nil, "", err
	}
	return objs, ns, steps, dir, nil
}

// floorOrdered is the floor: kubectl applies the objects berth renders, step
// by step in berth's plan (the order depends_on requires), waiting after each
// step with parallel `kubectl rollout status` / `kubectl wait` processes.
func (c spinupConfig) floorOrdered(ctx context.Context, branch string) (time.Duration, string, error) {
	_, ns, steps, dir, err := c.planned(ctx, branch, "floor-")
	if err != nil {
		return 0, ns, err
	}
	files := make([]string, len(steps))
	for i, s := range steps {
		files[i] = filepath.Join(dir, fmt.Sprintf("step-%02d.yaml", i))
		if err := writeObjects(files[i], s.Objects); err != nil {
			return 0, ns, err
		}
	}
	t0 := time.Now()
	for i, s := range steps {
		if !s.WaitOnly {
			if _, err := c.kubectl(ctx, "apply", "--server-side", "--force-conflicts", "-f", files[i]); err != nil {
				return 0, ns, err
			}
		}
		if err := c.waitAll(ctx, ns, waits(s.Objects, s.Wait)); err != nil {
			return 0, ns, fmt.Errorf("step %s: %w", s.Name, err)
		}
	}
	return time.Since(t0), ns, nil
}

// floorAllAtOnce applies the whole rendered overlay with one
// `kubectl apply --server-side -k`, then waits for every workload in
// parallel and for the Jobs in plan order. It ignores depends_on, so it is
// a lower bound no correct deploy reaches; printed for reference.
func (c spinupConfig) floorAllAtOnce(ctx context.Context, branch string) (time.Duration, string, error) {
	objs, ns, steps, dir, err := c.planned(ctx, branch, "flat-")
	if err != nil {
		return 0, ns, err
	}
	if err := writeObjects(filepath.Join(dir, "all.yaml"), objs); err != nil {
		return 0, ns, err
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources: [all.yaml]\n"), 0o644); err != nil {
		return 0, ns, err
	}
	var workloads, jobs [][]string
	for _, s := range steps {
		for _, w := range waits(s.Objects, s.Wait) {
			if w[0] == "wait" {
				jobs = append(jobs, w)
			} else if !s.WaitOnly {
				workloads = append(workloads, w)
			}
		}
	}
	t0 := time.Now()
	if _, err := c.kubectl(ctx, "apply", "--server-side", "--force-conflicts", "-k", dir); err != nil {
		return 0, ns, err
	}
	errc := make(chan error, 1)
	go func() { errc <- c.waitAll(ctx, ns, workloads) }()
	for _, j := range jobs {
		if err := c.waitAll(ctx, ns, [][]string{j}); err != nil {
			return 0, ns, err
		}
	}
	if err := <-errc; err != nil {
		return 0, ns, err
	}
	return time.Since(t0), ns, nil
}

// waits returns the kubectl argument lists that wait for objs per w.
func waits(objs []*unstructured.Unstructured, w rollout.WaitKind) [][]string {
	var out [][]string
	for _, o := range objs {
		ref := strings.ToLower(o.GetKind()) + "/" + o.GetName()
		switch {
		case o.GetKind() == "Job" && w == rollout.WaitComplete:
			out = append(out, []string{"wait", "--for=condition=complete", "--timeout=300s", ref})
		case (o.GetKind() == "Deployment" || o.GetKind() == "StatefulSet" || o.GetKind() == "DaemonSet") && w == rollout.WaitReady:
			out = append(out, []string{"rollout", "status", "--timeout=300s", ref})
		}
	}
	return out
}

// waitAll runs the wait commands in parallel in namespace ns.
func (c spinupConfig) waitAll(ctx context.Context, ns string, cmds [][]string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(cmds))
	for i, args := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.kubectl(ctx, append([]string{"-n", ns}, args...)...)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// kubectl runs kubectl against the bench cluster.
func (c spinupConfig) kubectl(ctx context.Context, args ...string) (procResult, error) {
	return command{name: "kubectl", args: append([]string{"--kubeconfig", c.kubeconfig}, args...)}.run(ctx)
}
