package rollout_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/rollout"
)

// TestUpRealisticDependsOnOrder: Up starts each service as soon as what it
// depends on allows rather than wave by wave, so on the 60-service
// realistic app (8 waves, 3 chained Jobs) every depends_on edge must
// still hold: a service's workload is applied only after each dependency
// it waits for is ready (service_healthy), its Job's pods succeeded
// (service_completed_successfully, also on the cluster's clock) or, for
// service_started, applied; every workload no pre-deploy Job needs comes
// after all of them; and when Up returns every Job is Complete.
func TestUpRealisticDependsOnOrder(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	dir := testcluster.RealisticRepo(t, testcluster.UniqueName("order"))
	env, objs := render(t, dir)
	rec, err := up(t, c, env, objs)
	if err != nil {
		t.Fatalf("up: %v", err)
	}

	workloads := map[string][]*unstructured.Unstructured{} // service → its workloads and Jobs
	for _, o := range objs {
		if k := o.GetKind(); k == "Deployment" || k == "Job" {
			s := o.GetLabels()[meta.LabelService]
			workloads[s] = append(workloads[s], o)
		}
	}
	deps := map[string]map[string]string{} // service → dependency → condition
	for s, ws := range workloads {
		d := map[string]string{}
		for _, o := range ws {
			if raw := o.GetAnnotations()[meta.AnnotationDependsOn]; raw != "" {
				if err := json.Unmarshal([]byte(raw), &d); err != nil {
					t.Fatal(err)
				}
			}
		}
		deps[s] = d
	}
	applied := func(o *unstructured.Unstructured) int {
		t.Helper()
		i := rec.index(o.GetKind()+"/"+o.GetName(), rollout.UpApplied)
		if i < 0 {
			t.Fatalf("no applied event for %s/%s", o.GetKind(), o.GetName())
		}
		return i
	}
	met := func(dep *unstructured.Unstructured, cond string) int {
		t.Helper()
		if cond == meta.ConditionStarted {
			return applied(dep)
		}
		i := rec.index(dep.GetKind()+"/"+dep.GetName(), rollout.UpReady)
		if i < 0 {
			t.Fatalf("no ready event for %s/%s", dep.GetKind(), dep.GetName())
		}
		return i
	}
	edges := 0
	for _, s := range slices.Sorted(maps.Keys(deps)) {
		for d, cond := range deps[s] {
			for _, dep := range workloads[d] {
				for _, o := range workloads[s] {
					edges++
					if a, m := applied(o), met(dep, cond); a < m {
						t.Errorf("%s/%s applied (event %d) before %s/%s met %s (event %d)", o.GetKind(), o.GetName(), a, dep.GetKind(), dep.GetName(), cond, m)
					}
				}
			}
		}
	}
	if edges < 100 {
		t.Fatalf("only %d depends_on edges checked; the realistic app has more", edges)
	}

	// Workloads no pre-deploy Job needs start after every pre-deploy Job.
	needed := map[string]bool{}
	var need func(string)
	need = func(s string) {
		for d := range deps[s] {
			if !needed[d] {
				needed[d] = true
				need(d)
			}
		}
	}
	var jobs []*unstructured.Unstructured
	for s, ws := range workloads {
		for _, o := range ws {
			if envs.IsPreDeployJob(o) {
				jobs = append(jobs, o)
				need(s)
			}
		}
	}
	if len(jobs) != 3 {
		t.Fatalf("want the realistic app's 3 pre-deploy Jobs, got %d", len(jobs))
	}
	for s, ws := range workloads {
		for _, o := range ws {
			if o.GetKind() != "Deployment" || needed[s] {
				continue
			}
			for _, j := range jobs {
				if a, m := applied(o), met(j, meta.ConditionCompleted); a < m {
					t.Errorf("Deployment/%s applied (event %d) before Job/%s succeeded (event %d)", o.GetName(), a, j.GetName(), m)
				}
			}
		}
	}

	// On the cluster's clock: a Job's pod finished before anything that
	// waits for it was created, and every Job is Complete now.
	for _, j := range jobs {
		finished := jobFinished(t, c, env.Namespace, j.GetName())
		got, err := c.Typed.BatchV1().Jobs(env.Namespace).Get(ctx, j.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.CompletionTime == nil {
			t.Errorf("Job %s not complete when up returned", j.GetName())
		}
		for s, ws := range workloads {
			if deps[s][j.GetLabels()[meta.LabelService]] != meta.ConditionCompleted {
				continue
			}
			for _, o := range ws {
				created, err := c.Get(ctx, o.GroupVersionKind(), env.Namespace, o.GetName())
				if err != nil {
					t.Fatal(err)
				}
				if ts := created.GetCreationTimestamp(); ts.Time.Before(finished) {
					t.Errorf("%s/%s created %s, before Job %s's pod finished %s", o.GetKind(), o.GetName(), ts, j.GetName(), finished)
				}
			}
		}
	}
}
