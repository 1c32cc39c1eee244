package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-dev/berth/bench/scaleload"
	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/rollout"
)

// changedEdit is the branch's change to the realistic app: one more
// variable for vroom, a leaf service with a port and a claim of its own.
const (
	changedOld = "      SENTRY_SNUBA_HOST: http://snuba-api:1218\n"
	changedNew = changedOld + "      VROOM_LOG_LEVEL: debug\n"
)

// consumerEdit is the second branch's change: one more argument for
// ingest-profiles, one of the app's ~40 consumers (no port, no claim:
// the kind of service most of its branches change).
const (
	consumerOld = `command: ["run", "consumer", "ingest-profiles", "--consumer-group", "sentry-ingest-profiles"]`
	consumerNew = `command: ["run", "consumer", "ingest-profiles", "--consumer-group", "sentry-ingest-profiles", "--max-batch-size", "100"]`
)

// runChanged measures changed mode (docs/baseline.md): the realistic app
// is up once as the baseline (branch main); then a branch changing one
// service comes up, alternating, as a full env and in changed mode
// (`berth up --changed`), each timed as a whole process to exit 0 and
// counted: the objects berth applied and everything the namespace holds
// once up returns (with the controllers' ReplicaSets, pods,
// EndpointSlices).
func runChanged(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("changed", flag.ContinueOnError)
	berth := fs.String("berth", "bin/berth", "the berth binary")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster to use")
	services := fs.Int("realistic", genapp.DefaultServices, "services of the realistic app")
	runs := fs.Int("runs", 3, "runs of each (median reported)")
	target := fs.Float64("target", 10, "target: changed mode this many times faster, with this many times fewer objects")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bin, err := filepath.Abs(*berth)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "berthbench-changed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	src := filepath.Join(work, "src", "sentry")
	if err := genapp.WriteRealistic(src, genapp.RealisticOptions{Services: *services}); err != nil {
		return err
	}
	id := runID()
	repo, err := gitRepo(ctx, work, "sentry", src, map[string]string{
		"berth.yaml": fmt.Sprintf("project: bench-%s\nbaseline:\n  branch: main\n", id),
	})
	if err != nil {
		return err
	}
	counter, err := newObjectCounter(*kubeconfig)
	if err != nil {
		return err
	}
	c := spinupConfig{bin: bin, kubeconfig: *kubeconfig, repo: repo, work: work}

	base, err := c.upCounted(ctx, "main", false)
	if base.ns != "" {
		defer func() { _ = deleteNamespaces(context.WithoutCancel(ctx), c.kubeconfig, base.ns) }()
	}
	if err != nil {
		return fmt.Errorf("baseline up: %w", err)
	}
	fmt.Printf("  baseline %s: %s, %d objects applied\n", base.ns, ms(base.wall), base.applied)
	if err := editCommit(ctx, repo, "compose.yaml", changedOld, changedNew); err != nil {
		return err
	}

	var fullT, changedT, fullD, changedD []time.Duration
	var full, changed upCount
	for i := range *runs {
		for _, m := range []struct {
			name    string
			changed bool
		}{{"full", false}, {"changed", true}} {
			r, err := c.upHeld(ctx, counter, fmt.Sprintf("bench/%s-%s-%d", m.name, id, i), m.changed)
			if err != nil {
				return fmt.Errorf("%s run %d: %w", m.name, i+1, err)
			}
			fmt.Printf("  run %d %-8s %9s (deploy %8s)  %4d objects applied, %4d in the namespace (%d pods)\n", i+1, m.name, ms(r.wall), ms(r.deploy), r.applied, r.held.objects, r.held.pods)
			if m.changed {
				changedT, changedD, changed = append(changedT, r.wall), append(changedD, r.deploy), r
			} else {
				fullT, fullD, full = append(fullT, r.wall), append(fullD, r.deploy), r
			}
		}
	}
	ft, ct, fd, cd := scaleload.Median(fullT), scaleload.Median(changedT), scaleload.Median(fullD), scaleload.Median(changedD)
	fmt.Printf("\nfull env of the branch (berth up, whole process):    %s (deploy %s)   %d objects applied, %d held (%d pods)\n", ms(ft), ms(fd), full.applied, full.held.objects, full.held.pods)
	fmt.Printf("changed mode (berth up --changed):                    %s (deploy %s)   %d objects applied, %d held (%d pods)\n", ms(ct), ms(cd), changed.applied, changed.held.objects, changed.held.pods)
	fmt.Printf("  %s\n", changed.summary)
	fmt.Printf("  (whole process: start, compose load, render — changed mode builds only the services whose sources differ from the baseline's — and deploy; deploy: from up's start, after rendering, to ready)\n")
	fmt.Printf("full ÷ changed: whole process %s, deploy %s, objects applied %s, objects held %s\n", ratio(ft, ct), ratio(fd, cd), times(full.applied, changed.applied), times(full.held.objects, changed.held.objects))
	fmt.Printf("target: changed mode ≥ %.0f× faster, whole process: %s (%s)\n", *target, ratio(ft, ct), verdict(float64(ft) >= *target*float64(ct)))
	fmt.Printf("target: changed mode ≥ %.0f× faster, deploy: %s (%s)\n", *target, ratio(fd, cd), verdict(float64(fd) >= *target*float64(cd)))
	fmt.Printf("target: ≥ %.0f× fewer objects held in the namespace: %s (%s)\n", *target, times(full.held.objects, changed.held.objects),
		verdict(float64(full.held.objects) >= *target*float64(changed.held.objects)))

	// The same against a branch that changes a consumer instead of vroom.
	if err := editCommit(ctx, repo, "compose.yaml", changedNew, changedOld); err != nil {
		return err
	}
	if err := editCommit(ctx, repo, "compose.yaml", consumerOld, consumerNew); err != nil {
		return err
	}
	var consumerT []time.Duration
	var consumer upCount
	for i := range *runs {
		r, err := c.upHeld(ctx, counter, fmt.Sprintf("bench/consumer-%s-%d", id, i), true)
		if err != nil {
			return fmt.Errorf("consumer run %d: %w", i+1, err)
		}
		fmt.Printf("  run %d consumer %9s (deploy %8s)  %4d objects applied, %4d in the namespace (%d pods)\n", i+1, ms(r.wall), ms(r.deploy), r.applied, r.held.objects, r.held.pods)
		consumerT, consumer = append(consumerT, r.wall), r
	}
	kt := scaleload.Median(consumerT)
	fmt.Printf("changed mode, a branch changing a consumer instead:  %s   %d objects applied, %d held (%d pods)\n", ms(kt), consumer.applied, consumer.held.objects, consumer.held.pods)
	fmt.Printf("  %s\n", consumer.summary)
	fmt.Printf("full ÷ changed (consumer): whole process %s, objects held %s\n", ratio(ft, kt), times(full.held.objects, consumer.held.objects))
	return nil
}

// upCount is one timed up: its namespace, wall time, the objects berth
// applied (its "applied" events) and, once counted, what the namespace
// holds.
type upCount struct {
	ns      string
	wall    time.Duration
	deploy  time.Duration // from Up's start (after rendering) to its done event
	applied int
	held    heldObjects
	summary string // the baseline step's message (changed mode)
}

// upHeld is upCounted, then the objects the namespace holds counted and
// the namespace deleted.
func (c spinupConfig) upHeld(ctx context.Context, counter *objectCounter, branch string, changed bool) (upCount, error) {
	r, err := c.upCounted(ctx, branch, changed)
	if err == nil {
		r.held, err = counter.count(ctx, r.ns)
	}
	if r.ns != "" {
		if derr := deleteNamespaces(ctx, c.kubeconfig, r.ns); derr != nil && err == nil {
			err = derr
		}
	}
	return r, err
}

// upCounted runs the real `berth up -o json` for branch (with --changed)
// and counts its applied events.
func (c spinupConfig) upCounted(ctx context.Context, branch string, changed bool) (upCount, error) {
	args := []string{"--kubeconfig", c.kubeconfig, "up", "--branch", branch, "-o", "json", "--timeout", "5m"}
	if changed {
		args = append(args, "--changed")
	}
	r, err := command{dir: c.repo, name: c.bin, args: args}.run(ctx)
	out := upCount{wall: r.wall}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e rollout.Event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch {
		case e.Phase == rollout.UpApplied && strings.HasPrefix(e.Object, "Namespace/"):
			out.ns = strings.TrimPrefix(e.Object, "Namespace/")
			out.applied++
		case e.Phase == rollout.UpApplied && e.Object != "":
			out.applied++
		case e.Step == "baseline" && e.Phase == rollout.UpDone:
			out.summary = e.Message
		case e.Step == "done" && e.Phase == rollout.UpDone:
			out.deploy = e.Elapsed
		}
	}
	return out, err
}

// editCommit replaces old by new in the repo's file and commits it.
func editCommit(ctx context.Context, repo, file, old, new string) error {
	path := filepath.Join(repo, file)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !strings.Contains(string(data), old) {
		return fmt.Errorf("%s lacks %q", file, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		return err
	}
	_, err = command{dir: repo, name: "git", args: []string{"commit", "-qam", "change one service"}}.run(ctx)
	return err
}

// objectCounter lists everything in a namespace.
type objectCounter struct {
	cs  kubernetes.Interface
	dyn dynamic.Interface
}

// heldObjects is what a namespace holds: objects of every namespaced
// resource the API server lists (Events aside), of which pods.
type heldObjects struct{ objects, pods int }

func newObjectCounter(kubeconfig string) (*objectCounter, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 100, 200
	cfg.WarningHandler = noWarnings{}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &objectCounter{cs: cs, dyn: dyn}, nil
}

// count lists every namespaced resource in ns. Endpoints (v1) are counted
// like the EndpointSlices that replace them: both exist.
func (o *objectCounter) count(ctx context.Context, ns string) (heldObjects, error) {
	lists, err := o.cs.Discovery().ServerPreferredNamespacedResources()
	if err != nil && len(lists) == 0 {
		return heldObjects{}, err
	}
	var h heldObjects
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || r.Name == "events" || !slices.Contains(r.Verbs, "list") {
				continue
			}
			items, err := o.dyn.Resource(gv.WithResource(r.Name)).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return heldObjects{}, fmt.Errorf("list %s in %s: %w", r.Name, ns, err)
			}
			h.objects += len(items.Items)
			if r.Name == "pods" && gv.Group == "" {
				h.pods = len(items.Items)
			}
		}
	}
	return h, nil
}

// noWarnings drops the API server's deprecation warnings (v1 Endpoints).
type noWarnings struct{}

func (noWarnings) HandleWarningHeader(int, string, string) {}

// times formats a/b as "12.3×" ("-" when b is zero).
func times(a, b int) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f×", float64(a)/float64(b))
}
