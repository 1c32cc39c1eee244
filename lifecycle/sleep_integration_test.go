package lifecycle_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

// lcReplicas returns spec.replicas and the remembered-replicas annotation
// of every workload in ns, as Kind/name → "replicas|annotation".
func lcReplicas(t *testing.T, c *k8s.Client, ns string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	deps, err := c.Typed.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps.Items {
		out["Deployment/"+d.Name] = replicaState(d.Spec.Replicas, d.Annotations)
	}
	sts, err := c.Typed.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sts.Items {
		out["StatefulSet/"+s.Name] = replicaState(s.Spec.Replicas, s.Annotations)
	}
	return out
}

func replicaState(r *int32, ann map[string]string) string {
	n := "nil"
	if r != nil {
		n = strconv.Itoa(int(*r))
	}
	if a, ok := ann[meta.AnnotationReplicas]; ok {
		return n + "|" + a
	}
	return n
}

func lcSleeping(t *testing.T, c *k8s.Client, ns string) string {
	t.Helper()
	n, err := c.Typed.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return n.Annotations[meta.AnnotationSleeping]
}

func TestSleepWakeRoundTrip(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	project := testcluster.UniqueName("p")
	ns := lcEnv(t, c, project, "feature/sleepy", nil)
	labels := lcLabels(project, ns)
	lcWorkload(t, c, "Deployment", ns, "web", 3, labels)
	lcWorkload(t, c, "Deployment", ns, "worker", 1, labels)
	lcWorkload(t, c, "StatefulSet", ns, "db", 2, labels)
	lcWorkload(t, c, "Deployment", ns, "foreign", 2, map[string]string{"team": "x"}) // not berth's: never scaled

	awake := map[string]string{"Deployment/web": "3", "Deployment/worker": "1", "StatefulSet/db": "2", "Deployment/foreign": "2"}
	asleep := map[string]string{"Deployment/web": "0|3", "Deployment/worker": "0|1", "StatefulSet/db": "0|2", "Deployment/foreign": "2"}
	if got := lcReplicas(t, c, ns); !equalMaps(got, awake) {
		t.Fatalf("before: %v", got)
	}

	scaled, err := lifecycle.Sleep(ctx, c, ns, project)
	if err != nil {
		t.Fatalf("Sleep: %v", err)
	}
	if len(scaled) != 3 {
		t.Errorf("Sleep scaled %v, want the 3 berth workloads", scaled)
	}
	if got := lcReplicas(t, c, ns); !equalMaps(got, asleep) {
		t.Fatalf("after Sleep: %v, want %v", got, asleep)
	}
	if got := lcSleeping(t, c, ns); got != "true" {
		t.Fatalf("namespace %s = %q after Sleep", meta.AnnotationSleeping, got)
	}

	// Sleeping again keeps the original replicas.
	if _, err := lifecycle.Sleep(ctx, c, ns, project); err != nil {
		t.Fatalf("second Sleep: %v", err)
	}
	if got := lcReplicas(t, c, ns); !equalMaps(got, asleep) {
		t.Fatalf("after second Sleep: %v, want %v", got, asleep)
	}

	// The snapshot-based status agrees, and the pods go away.
	w := k8s.NewWatcher(c.Typed, k8s.WatchOptions{NamespaceSelector: meta.LabelEnv + "=" + ns, ObjectSelector: meta.LabelEnv + "=" + ns})
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	w.Start(wctx)
	if _, err := w.WaitFor(ctx, func(s *k8s.Snapshot) bool {
		st := status.Of(s, ns)
		return st.Phase == status.PhaseSleeping && st.Pods == 0 && st.Total == 0
	}); err != nil {
		t.Fatalf("waiting for a sleeping env without pods: %v; status %+v", err, status.Of(w.Snapshot(), ns))
	}

	woken, err := lifecycle.Wake(ctx, c, ns, project)
	if err != nil {
		t.Fatalf("Wake: %v", err)
	}
	if len(woken) != 3 {
		t.Errorf("Wake scaled %v, want 3 workloads", woken)
	}
	if got := lcReplicas(t, c, ns); !equalMaps(got, awake) {
		t.Fatalf("after Wake: %v, want %v", got, awake)
	}
	if got := lcSleeping(t, c, ns); got != "" {
		t.Fatalf("namespace %s = %q after Wake", meta.AnnotationSleeping, got)
	}
	// Waking an awake env changes nothing.
	if again, err := lifecycle.Wake(ctx, c, ns, project); err != nil || len(again) != 0 {
		t.Fatalf("second Wake = %v, %v; want nothing to do", again, err)
	}
	if _, err := w.WaitFor(ctx, func(s *k8s.Snapshot) bool {
		st := status.Of(s, ns)
		return st.Phase == status.PhaseReady && st.Ready == 6 && st.Total == 6
	}); err != nil {
		t.Fatalf("waiting for the woken env to be ready: %v; status %+v", err, status.Of(w.Snapshot(), ns))
	}
}

func TestSleepRefusesForeignNamespace(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	ns := lcEnv(t, c, "someone-else", "main", nil)
	lcWorkload(t, c, "Deployment", ns, "web", 2, lcLabels("someone-else", ns))

	for name, f := range map[string]func(context.Context, *k8s.Client, string, string) ([]lifecycle.Scaled, error){"Sleep": lifecycle.Sleep, "Wake": lifecycle.Wake} {
		_, err := f(ctx, c, ns, "mine")
		var no *envs.NotOwnedError
		if !errors.As(err, &no) {
			t.Fatalf("%s of another project's env = %v, want *NotOwnedError", name, err)
		}
	}
	if got := lcReplicas(t, c, ns); got["Deployment/web"] != "2" {
		t.Errorf("foreign deployment changed: %v", got)
	}
	if got := lcSleeping(t, c, ns); got != "" {
		t.Errorf("foreign namespace marked sleeping: %q", got)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}
