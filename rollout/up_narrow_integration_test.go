package rollout_test

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/rollout"
)

// TestUpUnderNarrowGrant deploys examples/shop as a developer with issue
// 20's narrow grant, who may read pods and workloads only inside envs
// bound to it: up's waits watch the env's namespace only, so every
// depends_on wait and the rollout complete. up itself creates the
// namespace (the grant has no cluster-wide patch for a server-side apply)
// and the binding that lets the developer into it.
func TestUpUnderNarrowGrant(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	grant, dev := testcluster.Narrow(t, c)
	dir := testcluster.ExampleRepo(t, "shop", "narrow/"+testcluster.UniqueName("up"), nil)
	env, objs := render(t, dir)
	env.DeveloperGroup = grant.Group
	if objs[0].GetKind() != "Namespace" {
		t.Fatalf("first rendered object %s, want the Namespace", objs[0].GetKind())
	}

	rec, err := up(t, dev, env, objs)
	if err != nil {
		t.Fatalf("up as the developer: %v", err)
	}
	for _, o := range objs {
		switch o.GetKind() {
		case "Deployment", "StatefulSet", "Job":
			if rec.index(o.GetKind()+"/"+o.GetName(), rollout.UpReady) < 0 {
				t.Errorf("no ready event for %s/%s", o.GetKind(), o.GetName())
			}
		}
	}
	// What the waits said holds on the cluster, as the admin reads it.
	deps, err := c.Typed.AppsV1().Deployments(env.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps.Items {
		if d.Spec.Replicas == nil || d.Status.AvailableReplicas != *d.Spec.Replicas || d.Status.UpdatedReplicas != *d.Spec.Replicas {
			t.Errorf("Deployment %s after up: %+v", d.Name, d.Status)
		}
	}
	jobs, err := c.Typed.BatchV1().Jobs(env.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs.Items {
		if j.Status.Succeeded < 1 {
			t.Errorf("Job %s after up: %+v", j.Name, j.Status)
		}
	}
}
