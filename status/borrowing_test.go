package status

import (
	"slices"
	"testing"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// borrowSnap is a branch env borrowing db, cache and migrate from the
// baseline base, with what base runs.
func borrowSnap(t *testing.T, base *k8s.Namespace, w []k8s.Workload, j []k8s.Job, p []k8s.Pod) (*k8s.Snapshot, string) {
	t.Helper()
	b := Borrowing{Baseline: "shop-main", Deployed: []string{"web"}, Jobs: []string{"migrate"},
		Borrowed: map[string][]string{"db": {"fp-db"}, "cache": {"fp-cache"}, "migrate": {"fp-migrate"}}, SavedObjects: 9, SavedPods: 2}
	enc, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	branch := k8s.Namespace{Name: "shop-feat", Annotations: map[string]string{meta.AnnotationBorrowed: enc}}
	web := k8s.Workload{Kind: "Deployment", Name: "web", Desired: 1, Current: 1, Updated: 1, Ready: 1, Available: 1}
	s := &k8s.Snapshot{
		Namespaces: []k8s.Namespace{branch},
		Workloads:  map[string][]k8s.Workload{"shop-feat": {web}, "shop-main": w},
		Jobs:       map[string][]k8s.Job{"shop-main": j},
		Pods:       map[string][]k8s.Pod{"shop-main": p},
		Nodes:      map[string]k8s.Node{"n": {Name: "n", InstanceType: "m6i.large", AllocatableCPU: 2000, AllocatableMemory: 8 << 30}},
	}
	if base != nil {
		s.Namespaces = append([]k8s.Namespace{*base}, s.Namespaces...) // sorted: shop-feat < shop-main
		slices.SortFunc(s.Namespaces, func(a, b k8s.Namespace) int {
			if a.Name < b.Name {
				return -1
			}
			return 1
		})
	}
	return s, "shop-feat"
}

func svcWorkload(svc, fp string, ready int32) k8s.Workload {
	return k8s.Workload{Kind: "Deployment", Name: svc, Desired: 1, Current: 1, Updated: 1, Ready: ready, Available: ready,
		Labels: map[string]string{meta.LabelService: svc}, Annotations: map[string]string{meta.AnnotationFingerprint: fp}}
}

func TestBorrowedServices(t *testing.T) {
	base := &k8s.Namespace{Name: "shop-main"}
	migrate := k8s.Job{Name: "migrate-1", Result: k8s.JobComplete,
		Labels: map[string]string{meta.LabelService: "migrate"}, Annotations: map[string]string{meta.AnnotationFingerprint: "fp-migrate"}}
	dbPod := k8s.Pod{Name: "db-1", Node: "n", Phase: "Running", CPURequest: 500, Labels: map[string]string{meta.LabelService: "db"}}
	webPod := k8s.Pod{Name: "web-1", Node: "n", Phase: "Running", CPURequest: 500, Labels: map[string]string{meta.LabelService: "web"}}

	// All there and ready: Ready; the borrowed pods' usage is db's alone
	// (web is deployed in the branch, not borrowed).
	s, ns := borrowSnap(t, base, []k8s.Workload{svcWorkload("db", "fp-db", 1), svcWorkload("cache", "fp-cache", 1)}, []k8s.Job{migrate}, []k8s.Pod{dbPod, webPod})
	st := Of(s, ns).Priced(cost.Table{Region: "r", Instances: map[string]cost.Price{"m6i.large": {OnDemand: 0.1}}})
	if st.Phase != PhaseReady || st.Borrow == nil || len(st.Borrow.Unreachable)+len(st.Borrow.Changed) != 0 {
		t.Fatalf("healthy baseline: %s %q %+v", st.Phase, st.Reason, st.Borrow)
	}
	if st.Borrow.Usage.Pods() != 1 || st.Borrow.Cost.Compute != 0.025 {
		t.Errorf("borrowed usage %+v cost %v, want db's pod: 1/4 of a $0.10 node", st.Borrow.Usage, st.Borrow.Cost.Compute)
	}

	// cache has no ready pod; db's was redeployed with other content.
	s, ns = borrowSnap(t, base, []k8s.Workload{svcWorkload("db", "fp-db-2", 1), svcWorkload("cache", "fp-cache", 0)}, []k8s.Job{migrate}, nil)
	st = Of(s, ns)
	if st.Phase != PhaseFailed || st.Reason != "borrowed from shop-main unreachable: cache" || !slices.Equal(st.Borrow.Changed, []string{"db"}) {
		t.Errorf("cache down, db changed: %s %q changed %v", st.Phase, st.Reason, st.Borrow.Changed)
	}

	// The baseline asleep: its workloads at 0.
	asleep := &k8s.Namespace{Name: "shop-main", Annotations: map[string]string{meta.AnnotationSleeping: "true"}}
	s, ns = borrowSnap(t, asleep, []k8s.Workload{svcWorkload("db", "fp-db", 0), svcWorkload("cache", "fp-cache", 0)}, []k8s.Job{migrate}, nil)
	if st = Of(s, ns); st.Reason != "baseline shop-main asleep: 2 borrowed services unreachable" {
		t.Errorf("baseline asleep: %s %q", st.Phase, st.Reason)
	}

	// The baseline gone: every borrowed service, the Job's too.
	s, ns = borrowSnap(t, nil, nil, nil, nil)
	if st = Of(s, ns); st.Phase != PhaseFailed || st.Reason != "baseline shop-main gone: 3 borrowed services unreachable" {
		t.Errorf("baseline gone: %s %q", st.Phase, st.Reason)
	}
}
