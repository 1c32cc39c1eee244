package tui

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

// borrowing makes shop-feat-login an env deployed in changed mode: api,
// db and web deployed, search borrowed from shop-main, which runs it (a
// pod asking 500m/1Gi of a spot m6i.large: 1/4 × $0.04/h = $0.24/day).
func borrowing(t testing.TB) func(*k8s.Snapshot) {
	b := status.Borrowing{Baseline: "shop-main", Deployed: []string{"api", "db", "web"},
		Borrowed: map[string][]string{"search": {"fp-search"}}, SavedObjects: 4, SavedPods: 1}
	enc, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return func(s *k8s.Snapshot) {
		for i, n := range s.Namespaces {
			if n.Name == "shop-feat-login" {
				ann := map[string]string{meta.AnnotationBorrowed: enc}
				for k, v := range n.Annotations {
					ann[k] = v
				}
				s.Namespaces[i].Annotations = ann
			}
		}
		svc := map[string]string{meta.LabelService: "search"}
		s.Workloads["shop-main"] = append(s.Workloads["shop-main"], k8s.Workload{Kind: "Deployment", Namespace: "shop-main", Name: "search",
			Labels: svc, Annotations: map[string]string{meta.AnnotationFingerprint: "fp-search"}, Created: fixtureNow.Add(-3 * time.Hour),
			Desired: 1, Current: 1, Updated: 1, Ready: 1, Available: 1, Generation: 1, ObservedGeneration: 1})
		s.Pods["shop-main"] = append(s.Pods["shop-main"], k8s.Pod{Namespace: "shop-main", Name: "search-7f9c-abcde", Labels: svc,
			OwnerKind: "Deployment", OwnerName: "search", Phase: "Running", Ready: 1, Total: 1, Node: "kwok-spot-3",
			CPURequest: 500, MemoryRequest: 1 << 30, Created: fixtureNow.Add(-3 * time.Hour)})
	}
}

// The environments list gains a BASELINE column when an env borrows; the
// env's header says what it deployed, what it borrows and what that saves.
func TestGoldenBorrowing(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"80", 80, 24}, {"160", 160, 40}} {
		t.Run(size.name, func(t *testing.T) {
			s := startSession(t, shopConfig(newFakeCluster(t, borrowing(t))), size.w, size.h)
			s.waitFor("shop-fix-crash")
			s.golden()
		})
	}
}

func TestGoldenBorrowingDetail(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"80", 80, 24}, {"160", 160, 40}} {
		t.Run(size.name, func(t *testing.T) {
			s := startSession(t, shopConfig(newFakeCluster(t, borrowing(t))), size.w, size.h)
			s.waitFor("shop-feat-login")
			s.keys("enter")
			s.waitFor("ROLLOUTS", "borrowed 1")
			s.golden()
		})
	}
}
