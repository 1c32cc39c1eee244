package status

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// Borrowing is how an env deployed in changed mode runs: the services it
// deployed itself and those it borrows from its baseline, as `berth up`
// recorded them on the namespace (meta.AnnotationBorrowed).
type Borrowing struct {
	Baseline string   `json:"baseline"` // the baseline's namespace
	Deployed []string `json:"deployed"` // services deployed in the env, sorted
	// Borrowed maps each borrowed service to the fingerprints of its
	// workloads in the baseline when up compared them (meta.AnnotationFingerprint).
	Borrowed map[string][]string `json:"borrowed"`
	// Jobs are the borrowed services that only run Jobs (migrations, seed
	// data): nothing to reach, they ran in the baseline.
	Jobs         []string `json:"jobs,omitempty"`
	SavedObjects int      `json:"savedObjects"` // objects a full deploy would have applied more
	SavedPods    int      `json:"savedPods"`    // replicas of the borrowed workloads
}

// BorrowedServices are the borrowed services, sorted.
func (b Borrowing) BorrowedServices() []string {
	out := make([]string, 0, len(b.Borrowed))
	for s := range b.Borrowed {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// DeployedURLs are the urls of the services deployed in the env: a
// borrowed service has no Ingress there.
func (b Borrowing) DeployedURLs(urls []URL) []URL {
	var out []URL
	for _, u := range urls {
		if slices.Contains(b.Deployed, u.Service) {
			out = append(out, u)
		}
	}
	return out
}

// Encode is the annotation's value.
func (b Borrowing) Encode() (string, error) {
	raw, err := json.Marshal(b)
	return string(raw), err
}

// BorrowingOf reads meta.AnnotationBorrowed; false when absent or unreadable.
func BorrowingOf(annotations map[string]string) (Borrowing, bool) {
	raw, ok := annotations[meta.AnnotationBorrowed]
	if !ok {
		return Borrowing{}, false
	}
	var b Borrowing
	if err := json.Unmarshal([]byte(raw), &b); err != nil || b.Baseline == "" {
		return Borrowing{}, false
	}
	return b, true
}

// BorrowState is how the borrowed services of an env fare in a snapshot
// holding its baseline.
type BorrowState struct {
	Borrowing
	// BaselineGone is set when the baseline namespace is not in the
	// snapshot (deleted, or not visible): every borrowed service is
	// unreachable.
	BaselineGone bool
	// BaselineSleeping is set while the baseline is asleep.
	BaselineSleeping bool
	// Unreachable are the borrowed long-running services without a Ready
	// pod in the baseline (sleeping, failing, removed), sorted.
	Unreachable []string
	// Changed are the borrowed services whose baseline workloads no longer
	// have the fingerprints up compared: the baseline was redeployed.
	Changed []string
	// Usage is what the borrowed services' pods hold in the baseline: what
	// a full copy would run again; Cost is it priced (Env.Priced).
	Usage cost.Usage
	Cost  cost.Estimate
}

// reason is why the env fails for its borrowed services, "" when they are
// all reachable: "baseline dev-shop-main gone: 3 borrowed services
// unreachable", "borrowed from dev-shop-main unreachable: db, cache +1".
func (st BorrowState) reason() string {
	n := len(st.Unreachable)
	switch {
	case n == 0:
		return ""
	case st.BaselineGone:
		return fmt.Sprintf("baseline %s gone: %d borrowed services unreachable", st.Baseline, n)
	case st.BaselineSleeping:
		return fmt.Sprintf("baseline %s asleep: %d borrowed services unreachable", st.Baseline, n)
	}
	names := strings.Join(st.Unreachable[:min(n, 2)], ", ")
	if n > 2 {
		names += fmt.Sprintf(" +%d", n-2)
	}
	return "borrowed from " + st.Baseline + " unreachable: " + names
}

// borrowStateOf checks an env's borrowed services against its baseline in s.
func borrowStateOf(s *k8s.Snapshot, b Borrowing) BorrowState {
	st := BorrowState{Borrowing: b}
	base, ok := s.Namespace(b.Baseline)
	st.BaselineGone = !ok || base.Terminating
	st.BaselineSleeping = ok && base.Annotations[meta.AnnotationSleeping] == "true"
	ready := map[string]bool{}
	longRunning := map[string]bool{}
	prints := map[string][]string{}
	for _, w := range s.WorkloadsIn(b.Baseline) {
		svc := w.Labels[meta.LabelService]
		longRunning[svc] = true
		ready[svc] = ready[svc] || w.Ready > 0
		prints[svc] = append(prints[svc], w.Annotations[meta.AnnotationFingerprint])
	}
	for _, j := range s.JobsIn(b.Baseline) {
		svc := j.Labels[meta.LabelService]
		prints[svc] = append(prints[svc], j.Annotations[meta.AnnotationFingerprint])
	}
	for _, svc := range b.BorrowedServices() {
		switch {
		case st.BaselineGone:
			st.Unreachable = append(st.Unreachable, svc)
		case slices.Contains(b.Jobs, svc):
			if !sameSet(prints[svc], b.Borrowed[svc]) {
				st.Changed = append(st.Changed, svc)
			}
		case !longRunning[svc] || !ready[svc]:
			st.Unreachable = append(st.Unreachable, svc)
		case !sameSet(prints[svc], b.Borrowed[svc]):
			st.Changed = append(st.Changed, svc)
		}
	}
	if !st.BaselineGone {
		var pods []k8s.Pod
		for _, p := range s.PodsIn(b.Baseline) {
			if _, ok := b.Borrowed[p.Labels[meta.LabelService]]; ok {
				pods = append(pods, p)
			}
		}
		st.Usage = cost.UsageOf(pods, s.Nodes, 0)
	}
	return st
}

// sameSet reports whether a and b hold the same strings.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}
