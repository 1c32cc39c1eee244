package status

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

var statusNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func statusSnap(ns k8s.Namespace, w []k8s.Workload, j []k8s.Job, p []k8s.Pod) *k8s.Snapshot {
	return &k8s.Snapshot{
		Taken:      statusNow,
		Namespaces: []k8s.Namespace{ns},
		Workloads:  map[string][]k8s.Workload{ns.Name: w},
		Jobs:       map[string][]k8s.Job{ns.Name: j},
		Pods:       map[string][]k8s.Pod{ns.Name: p},
		Nodes: map[string]k8s.Node{
			"spot-1": {Name: "spot-1", Capacity: k8s.CapacitySpot},
			"od-1":   {Name: "od-1", Capacity: k8s.CapacityOnDemand},
		},
	}
}

func TestStatus(t *testing.T) {
	ns := k8s.Namespace{Name: "shop-feat-x", Labels: map[string]string{meta.LabelProject: "shop", meta.LabelBranch: "feat-x"},
		Annotations: map[string]string{meta.AnnotationBranch: "feat/x", meta.AnnotationOwner: "ann@example.com", meta.AnnotationExpiresAt: "2026-11-25T15:30:00Z"}}
	ready := k8s.Workload{Kind: "Deployment", Name: "web", Desired: 2, Current: 2, Updated: 2, Ready: 2, Available: 2}
	rolling := k8s.Workload{Kind: "Deployment", Name: "api", Desired: 2, Current: 3, Updated: 1, Ready: 2, Available: 2}
	deadline := k8s.Workload{Kind: "Deployment", Name: "api", Desired: 1, Current: 1, Updated: 1,
		Conditions: []k8s.Condition{{Type: "Progressing", Status: "False", Reason: "ProgressDeadlineExceeded"}}}
	runPod := func(name, node string) k8s.Pod {
		return k8s.Pod{Name: name, OwnerKind: "Deployment", OwnerName: "web", Phase: "Running", Ready: 1, Total: 1, Node: node}
	}
	crash := k8s.Pod{Name: "api-1", OwnerKind: "Deployment", OwnerName: "api", Phase: "Running", Reason: "CrashLoopBackOff", Total: 1, Node: "spot-1"}
	unsched := k8s.Pod{Name: "api-2", OwnerKind: "Deployment", OwnerName: "api", Phase: "Pending", Reason: "Unschedulable", Total: 1}
	doneJob := k8s.Pod{Name: "migrate-1", OwnerKind: "Job", OwnerName: "migrate", Phase: "Succeeded", Reason: "Completed", Total: 1, Node: "od-1"}
	sleeping := ns
	sleeping.Annotations = map[string]string{meta.AnnotationSleeping: "true"}
	terminating := ns
	terminating.Terminating = true

	tests := []struct {
		name   string
		snap   *k8s.Snapshot
		phase  Phase
		reason string
		label  string
		spot   int
	}{
		{"ready", statusSnap(ns, []k8s.Workload{ready}, []k8s.Job{{Name: "migrate", Result: k8s.JobComplete}}, []k8s.Pod{runPod("web-1", "spot-1"), runPod("web-2", "od-1"), doneJob}), PhaseReady, "", "Ready 2/2", 1},
		{"rolling", statusSnap(ns, []k8s.Workload{ready, rolling}, nil, nil), PhaseProgressing, "api", "Progressing 4/4", 0},
		{"job running", statusSnap(ns, []k8s.Workload{ready}, []k8s.Job{{Name: "seed", Result: k8s.JobRunning}}, nil), PhaseProgressing, "job seed", "Progressing 2/2", 0},
		{"crashloop", statusSnap(ns, []k8s.Workload{ready}, nil, []k8s.Pod{runPod("web-1", "spot-1"), crash}), PhaseFailed, "api: CrashLoopBackOff", "Failed", 2},
		{"job failed", statusSnap(ns, nil, []k8s.Job{{Name: "migrate", Result: k8s.JobFailed, Reason: "BackoffLimitExceeded"}}, nil), PhaseFailed, "job migrate: BackoffLimitExceeded", "Failed", 0},
		{"deadline", statusSnap(ns, []k8s.Workload{deadline}, nil, nil), PhaseFailed, "api: ProgressDeadlineExceeded", "Failed", 0},
		{"unschedulable", statusSnap(ns, []k8s.Workload{ready}, nil, []k8s.Pod{unsched}), PhaseProgressing, "api: Unschedulable", "Progressing 2/2", 0},
		{"empty", statusSnap(ns, nil, nil, nil), PhaseEmpty, "", "Empty", 0},
		{"sleeping", statusSnap(sleeping, []k8s.Workload{{Kind: "Deployment", Name: "web"}}, nil, nil), PhaseSleeping, "", "Sleeping", 0},
		{"terminating", statusSnap(terminating, []k8s.Workload{ready}, nil, []k8s.Pod{crash}), PhaseTerminating, "", "Terminating", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Of(tt.snap, ns.Name)
			if st.Phase != tt.phase || st.Reason != tt.reason || st.Label() != tt.label || st.Spot != tt.spot {
				t.Errorf("got phase %q reason %q label %q spot %d", st.Phase, st.Reason, st.Label(), st.Spot)
			}
		})
	}

	st := Of(tests[0].snap, ns.Name)
	if st.Branch != "feat/x" || st.Owner != "ann@example.com" || st.Project != "shop" {
		t.Errorf("metadata: %+v", st)
	}
	if st.ExpiresIn != 3*time.Hour+30*time.Minute {
		t.Errorf("expires in %v", st.ExpiresIn)
	}
	if st.Pods != 2 || st.Spot != 1 || st.OnDemand != 1 || st.Others != 0 {
		t.Errorf("pods %d spot %d on-demand %d others %d (finished job pod must not count)", st.Pods, st.Spot, st.OnDemand, st.Others)
	}
	if got := Of(tests[0].snap, "nope"); got.Phase != PhaseMissing {
		t.Errorf("missing namespace: %q", got.Phase)
	}
}

func TestStaleNeverReady(t *testing.T) {
	st := Env{Phase: PhaseReady, Ready: 3, Total: 3}.Stale()
	if st.Phase != PhaseUnknown || st.Label() != "Unknown" || st.Reason != "last seen Ready 3/3" {
		t.Fatalf("stale status %+v label %q", st, st.Label())
	}
}
