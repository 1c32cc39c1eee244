package tui

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

func cacheSnapshot(taken time.Time, ready int32) *k8s.Snapshot {
	ns := func(name string) k8s.Namespace {
		return k8s.Namespace{Name: name, Labels: map[string]string{meta.LabelManagedBy: meta.ManagedByBerth},
			Annotations: map[string]string{meta.AnnotationExpiresAt: "2026-12-01T00:00:00Z"}}
	}
	return &k8s.Snapshot{
		Taken:      taken,
		Namespaces: []k8s.Namespace{ns("a"), ns("b")},
		Workloads: map[string][]k8s.Workload{
			"a": {{Kind: "Deployment", Namespace: "a", Name: "web", Desired: 1, Current: 1, Updated: 1, Ready: ready, Available: ready, Generation: 1, ObservedGeneration: 1}},
			"b": {{Kind: "Deployment", Namespace: "b", Name: "web", Desired: 1, Current: 1, Updated: 1, Ready: 1, Available: 1, Generation: 1, ObservedGeneration: 1}},
		},
		Nodes: map[string]k8s.Node{},
	}
}

// TestStatusCache: statuses equal a fresh status.Of for every env after
// each snapshot, whether the env's slices were reused or replaced.
func TestStatusCache(t *testing.T) {
	var c statusCache
	t0 := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	s1 := cacheSnapshot(t0, 0)
	check := func(s *k8s.Snapshot) {
		t.Helper()
		got := c.statuses(s, nil)
		for i, n := range s.Namespaces {
			want := status.Of(s, n.Name)
			if got[i].Label() != want.Label() || got[i].ExpiresIn != want.ExpiresIn || got[i].Namespace != want.Namespace {
				t.Fatalf("%s: cached %+v, fresh %+v", n.Name, got[i], want)
			}
		}
	}
	check(s1)
	// Next snapshot: b's slice reused (unchanged), a's replaced (now ready),
	// and time moved on, so ExpiresIn must move for both.
	s2 := &k8s.Snapshot{
		Taken:      t0.Add(time.Hour),
		Namespaces: s1.Namespaces,
		Workloads:  map[string][]k8s.Workload{"a": cacheSnapshot(t0, 1).Workloads["a"], "b": s1.Workloads["b"]},
		Nodes:      s1.Nodes,
	}
	check(s2)
	if got := c.statuses(s2, nil)[0].Label(); got != "Ready 1/1" {
		t.Fatalf("a after its change: %s", got)
	}
}

// TestStatusCacheFollowsAccess: an env with no objects whose access
// changes (namespaced mode) gets a fresh status though its slices did not
// change.
func TestStatusCacheFollowsAccess(t *testing.T) {
	var c statusCache
	t0 := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	s1 := cacheSnapshot(t0, 1)
	delete(s1.Workloads, "b")
	if got := c.statuses(s1, nil)[1].Phase; got != status.PhaseEmpty {
		t.Fatalf("b before: %s", got)
	}
	s2 := *s1
	s2.NoAccess = map[string]string{"b": `pods is forbidden: User "dev" cannot list resource "pods" in the namespace "b"`}
	if got := c.statuses(&s2, nil)[1]; got.Phase != status.PhaseNoAccess || got.Reason != s2.NoAccess["b"] {
		t.Fatalf("b once refused: %+v", got)
	}
	s3 := *s1
	if got := c.statuses(&s3, nil)[1].Phase; got != status.PhaseEmpty {
		t.Fatalf("b once readable again: %s", got)
	}
}
