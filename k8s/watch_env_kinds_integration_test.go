package k8s_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/rollout"
)

// annotateInventory writes ns's inventory annotation as `berth up` does
// (rollout.Inventory) for objects of the given kinds, named like them.
func annotateInventory(t *testing.T, c *k8s.Client, ns string, kinds ...string) {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, kind := range kinds {
		api := map[string]string{"Deployment": "apps/v1", "StatefulSet": "apps/v1", "Service": "v1"}[kind]
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(api)
		u.SetKind(kind)
		u.SetNamespace(ns)
		u.SetName("x-" + kind)
		objs = append(objs, u)
	}
	enc, err := rollout.NewInventory(objs).Encode()
	if err != nil {
		t.Fatal(err)
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{meta.AnnotationInventory: enc}}})
	if _, err := c.Typed.CoreV1().Namespaces().Patch(context.Background(), ns, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("annotate %s: %v", ns, err)
	}
}

func statefulSet(name string, labels map[string]string) *appsv1.StatefulSet {
	pl := map[string]string{"app": name}
	for k, v := range labels {
		pl[k] = v
	}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pl},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "example/" + name + ":1"}}}},
		},
	}
}

// TestWatchNamespacedFollowsTheInventory: under the narrow grant, an env
// feed watches only the kinds its namespace's inventory names (pods
// always): an env with Deployments and Services opens no Job,
// StatefulSet or DaemonSet request, while an env without an inventory
// watches every kind. When the inventory gains a StatefulSet (up writes
// it before applying), the feed starts watching StatefulSets and shows
// the new one; when the inventory drops it again, the StatefulSet leaves
// the snapshot although it still exists, and the kinds stay synced.
func TestWatchNamespacedFollowsTheInventory(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	grant, _ := testcluster.Narrow(t, c)
	key, val := "berth.dev/it", testcluster.UniqueName("nskinds")
	sel := key + "=" + val
	lbl := map[string]string{key: val}

	inv := labelledNamespace(t, c, "nskinds-a", key, val)
	bare := labelledNamespace(t, c, "nskinds-b", key, val)
	annotateInventory(t, c, inv, "Deployment", "Service")
	for _, ns := range []string{inv, bare} {
		if err := grant.BindEnv(ctx, c.Typed, ns); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, deploy("web", 1, lbl, false), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	w, requests := detectingWatcher(t, grant.Config(c.Config), sel)

	synced := func(s *k8s.Snapshot) bool {
		for _, res := range []k8s.Resource{k8s.ResourcePods, k8s.ResourceDeployments, k8s.ResourceStatefulSets, k8s.ResourceJobs} {
			if !s.Resources[res].Synced {
				return false
			}
		}
		return true
	}
	waitSnap(t, w, 60*time.Second, "both envs' web pod running, every kind synced", func(s *k8s.Snapshot) bool {
		return s.Mode == k8s.ModeNamespaced && synced(s) &&
			len(podsOf(s, inv, "web")) == 1 && podsOf(s, inv, "web")[0].Phase == "Running" &&
			len(podsOf(s, bare, "web")) == 1 && len(s.WorkloadsIn(inv)) == 1
	})
	for _, res := range []string{"jobs", "statefulsets", "daemonsets"} {
		if n := requests.count("/namespaces/" + inv + "/" + res); n != 0 {
			t.Errorf("%d requests for %s in %s, whose inventory names only a Deployment and a Service", n, res, inv)
		}
		if n := requests.count("/namespaces/" + bare + "/" + res); n == 0 {
			t.Errorf("no request for %s in %s, which has no inventory", res, bare)
		}
	}

	// The inventory gains a StatefulSet, then the StatefulSet is applied.
	annotateInventory(t, c, inv, "Deployment", "Service", "StatefulSet")
	if _, err := c.Typed.AppsV1().StatefulSets(inv).Create(ctx, statefulSet("db", lbl), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSnap(t, w, 60*time.Second, "the new StatefulSet and its pod", func(s *k8s.Snapshot) bool {
		p := podsOf(s, inv, "db")
		return synced(s) && len(s.WorkloadsIn(inv)) == 2 && len(p) == 1 && p[0].Phase == "Running"
	})
	if n := requests.count("/namespaces/" + inv + "/statefulsets"); n == 0 {
		t.Errorf("no StatefulSet request in %s after its inventory named one", inv)
	}

	// The inventory drops it: the kind stops and its objects go, the
	// Deployment (same table) stays.
	annotateInventory(t, c, inv, "Deployment", "Service")
	s := waitSnap(t, w, 60*time.Second, "the StatefulSet gone from the snapshot", func(s *k8s.Snapshot) bool {
		return synced(s) && len(s.WorkloadsIn(inv)) == 1
	})
	if wl := s.WorkloadsIn(inv); wl[0].Kind != "Deployment" || wl[0].Name != "web" {
		t.Errorf("workloads of %s = %+v, want Deployment/web only", inv, wl)
	}
	if n := len(podsOf(s, inv, "db")); n != 1 {
		t.Errorf("%d pods of db in the snapshot, want 1: pods are always watched", n)
	}
	if got := s.Errors(); len(got) != 0 {
		t.Errorf("Errors() = %v", got)
	}
}

// TestWatchNamespacedShowsEveryObjectPastTheListLimit: an env feed lists
// with a small limit (envListLimit, for priority and fairness); an env
// with several times as many workloads still shows every one of them,
// whether the API server answers the list whole or in pages.
func TestWatchNamespacedShowsEveryObjectPastTheListLimit(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	grant, _ := testcluster.Narrow(t, c)
	key, val := "berth.dev/it", testcluster.UniqueName("nspages")
	sel := key + "=" + val
	lbl := map[string]string{key: val}
	ns := labelledNamespace(t, c, "nspages", key, val)
	annotateInventory(t, c, ns, "Deployment")
	if err := grant.BindEnv(ctx, c.Typed, ns); err != nil {
		t.Fatal(err)
	}
	const n = 130
	for i := range n {
		if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, deploy(fmt.Sprintf("w%03d", i), 0, lbl, false), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := detectingWatcher(t, grant.Config(c.Config), sel)
	waitSnap(t, w, 60*time.Second, fmt.Sprintf("all %d Deployments of %s", n, ns), func(s *k8s.Snapshot) bool {
		return s.Mode == k8s.ModeNamespaced && s.Resources[k8s.ResourceDeployments].Synced && len(s.WorkloadsIn(ns)) == n
	})
}
