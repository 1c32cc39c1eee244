package render

import (
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:                  "0s",
		45 * time.Second:              "45s",
		119 * time.Second:             "119s",
		5*time.Minute + 3*time.Second: "5m3s",
		42 * time.Minute:              "42m",
		135 * time.Minute:             "135m",
		3*time.Hour + 20*time.Minute:  "3h20m",
		23*time.Hour + 40*time.Minute: "23h",
		5*24*time.Hour + 4*time.Hour:  "5d4h",
		40 * 24 * time.Hour:           "40d",
		800 * 24 * time.Hour:          "2y",
	} {
		if got := Age(d); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
	if got := ExpiresIn(time.Time{}, now); got != "never" {
		t.Errorf("zero expiry = %q", got)
	}
	if got := ExpiresIn(now.Add(-time.Minute), now); got != "expired" {
		t.Errorf("past expiry = %q", got)
	}
}

func TestDurationAndBar(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "-", 850 * time.Millisecond: "850ms", 12 * time.Second: "12s", 185 * time.Second: "3m05s", 62 * time.Minute: "1h02m"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
	for _, c := range []struct {
		n, total int
		want     string
	}{{0, 2, "░░░░"}, {1, 2, "██░░"}, {2, 2, "████"}, {3, 2, "████"}, {0, 0, "████"}} {
		if got := Bar(c.n, c.total, 4); got != c.want {
			t.Errorf("Bar(%d,%d) = %q, want %q", c.n, c.total, got, c.want)
		}
	}
}

func TestTableDropsColumnsAndNeverOverflows(t *testing.T) {
	cols := []Column{{Title: "NAME"}, {Title: "STATUS"}, {Title: "NOTE", Flex: true, Min: 6, Drop: 2}, {Title: "AGE", Drop: 1, Right: true}}
	rows := []Row{{Cells: []string{"web-5d9c-abcde", "Running", "a fairly long note about the pod", "5m"}}}
	for _, w := range []int{80, 50, 40, 30, 20, 10} {
		header, lines := Table(cols, rows, w)
		for _, l := range append(lines, header) {
			if Width(l) > w {
				t.Errorf("width %d: line %q is %d wide", w, l, Width(l))
			}
		}
	}
	header, lines := Table(cols, rows, 80)
	if header != "NAME            STATUS   NOTE                              AGE" || !strings.HasSuffix(lines[0], " 5m") {
		t.Errorf("wide:\n%q\n%q", header, lines[0])
	}
	// 36 cells: NOTE narrows to fit.
	header, lines = Table(cols, rows, 36)
	if header != "NAME            STATUS   NOTE    AGE" || lines[0] != "web-5d9c-abcde  Running  a fai…   5m" {
		t.Errorf("narrowed:\n%q\n%q", header, lines[0])
	}
	// 30 cells: NOTE (Drop 2) goes before AGE (Drop 1).
	header, lines = Table(cols, rows, 30)
	if header != "NAME            STATUS   AGE" || lines[0] != "web-5d9c-abcde  Running   5m" {
		t.Errorf("dropped:\n%q\n%q", header, lines[0])
	}
}

func TestEnvRow(t *testing.T) {
	st := status.Env{
		Namespace: "shop-feat-x", Project: "shop", Branch: "feat/x", Owner: "ann@example.com",
		Phase: status.PhaseFailed, Reason: "api: CrashLoopBackOff\n", Ready: 1, Total: 2,
		Pods: 3, Spot: 2, OnDemand: 0, Others: 1,
		Created: now.Add(-90 * time.Minute), ExpiresAt: now.Add(26 * time.Hour), PR: 42,
	}
	r := EnvRow(st, NewClock(now), true, false)
	want := []string{"*", "shop-feat-x", "feat/x", "#42", "Failed", "api: CrashLoopBackOff", "2/0 +1", "-", "ann@example.com", "90m", "26h", ""}
	if strings.Join(r.Cells, "|") != strings.Join(want, "|") || r.Kind != KindBad || !r.Bold {
		t.Errorf("row %q kind %v bold %v", r.Cells, r.Kind, r.Bold)
	}
	if len(r.Cells) != len(EnvColumns(false)) || len(EnvRow(st, NewClock(now), false, true).Cells) != len(EnvColumns(true)) {
		t.Error("cells and columns disagree")
	}
	st.Phase, st.Ready, st.Total, st.PR = status.PhaseProgressing, 1, 2, 0
	if r := EnvRow(st, NewClock(now), false, false); r.Cells[4] != "Progressing 1/2" || r.Cells[3] != "" || r.Kind != KindWarn || r.Cells[0] != "" {
		t.Errorf("progressing row %q", r.Cells)
	}
	if r := EnvNotRunningRow("feat/y", false); r.Cells[2] != "feat/y" || len(r.Cells) != len(EnvColumns(false)) {
		t.Errorf("not running row %q", r.Cells)
	}
}

func TestWorkloadAndJobRows(t *testing.T) {
	w := k8s.Workload{Kind: "Deployment", Name: "web", Desired: 4, Current: 5, Updated: 2, Ready: 3, Available: 3, Generation: 2, ObservedGeneration: 2}
	r := WorkloadRow(w)
	if got := strings.Join(r.Cells, "|"); got != "Deployment/web|███████░░░ 3/4|2|3|Progressing: 2 of 4 updated" || r.Kind != KindWarn {
		t.Errorf("rolling: %q", got)
	}
	w.Updated, w.Current, w.Ready, w.Available = 4, 4, 4, 4
	if r := WorkloadRow(w); r.Cells[4] != "Complete" || r.Kind != KindGood {
		t.Errorf("complete: %q", r.Cells)
	}
	w.Conditions = []k8s.Condition{{Type: "Progressing", Status: "False", Reason: "ProgressDeadlineExceeded", Message: `ReplicaSet "web-1" has timed out progressing.`}}
	if r := WorkloadRow(w); r.Cells[4] != `ProgressDeadlineExceeded: ReplicaSet "web-1" has timed out progressing.` || r.Kind != KindBad {
		t.Errorf("deadline: %q", r.Cells)
	}

	j := k8s.Job{Name: "migrate", Completions: 1, Succeeded: 1, Result: k8s.JobComplete, Created: now.Add(-time.Hour), Start: now.Add(-time.Hour), Completion: now.Add(-time.Hour + 12*time.Second)}
	if got := strings.Join(JobRow(j, NewClock(now)).Cells, "|"); got != "migrate|Complete|1/1|12s|60m|" {
		t.Errorf("job: %q", got)
	}
	j = k8s.Job{Name: "seed", Completions: 1, Result: k8s.JobRunning, Created: now.Add(-30 * time.Second), Start: now.Add(-30 * time.Second)}
	if r := JobRow(j, NewClock(now)); r.Cells[3] != "30s" || r.Kind != KindWarn {
		t.Errorf("running job: %q", r.Cells)
	}
}

func TestPodAndEventRows(t *testing.T) {
	p := k8s.Pod{Name: "api-1", Phase: "Running", Reason: "CrashLoopBackOff", Message: "back-off\n5m", Total: 1, Restarts: 4, LastTermination: "OOMKilled", Node: "spot-1", Created: now.Add(-3 * time.Minute)}
	r := PodRow(p, "spot", NewClock(now))
	if got := strings.Join(r.Cells, "|"); got != "api-1|CrashLoopBackOff|0/1|4 (OOMKilled)|spot-1|spot|3m|back-off 5m" || r.Kind != KindBad {
		t.Errorf("crashing pod: %q", got)
	}
	p = k8s.Pod{Name: "web-1", Phase: "Pending", Reason: "Unschedulable", Message: "0/5 nodes are available", Total: 1}
	if r := PodRow(p, "?", NewClock(now)); r.Cells[4] != "-" || r.Cells[5] != "-" || r.Kind != KindWarn {
		t.Errorf("unscheduled pod: %q", r.Cells)
	}
	p = k8s.Pod{Name: "web-2", Phase: "Running", Ready: 1, Total: 1, Node: "od-1"}
	if r := PodRow(p, CapacityLabel(k8s.CapacityOnDemand), NewClock(now)); r.Cells[5] != "on-demand" || r.Kind != KindGood {
		t.Errorf("healthy pod: %q", r.Cells)
	}

	e := k8s.Event{Type: "Warning", Reason: "BackOff", Object: "Pod/api-1", Message: "Back-off restarting\nfailed container", Count: 7, Last: now.Add(-2 * time.Minute)}
	if r := EventRow(e, NewClock(now)); strings.Join(r.Cells, "|") != "2m|Warning|BackOff|Pod/api-1|7|Back-off restarting failed container" || r.Kind != KindBad {
		t.Errorf("warning: %q", r.Cells)
	}
	if r := EventRow(k8s.Event{Type: "Normal"}, NewClock(now)); r.Kind != KindNormal || r.Cells[0] != "-" {
		t.Errorf("normal: %q", r.Cells)
	}
}

func TestEnvTableLongNamesNarrowInsteadOfDropping(t *testing.T) {
	st := status.Env{Namespace: "dev-shop-feature-uber-long-branch-name-with-many-words-0c1d2e3f", Branch: "Feature/ÜBER_long-branch-name-with-many-words",
		Phase: status.PhaseReady, Ready: 5, Total: 5, Spot: 5, Owner: "someone@example.com", Created: now.Add(-time.Hour)}
	rows := []Row{EnvNotRunningRow("feat/x", false), EnvRow(st, NewClock(now), false, false)}
	header, lines := Table(EnvColumns(false), rows, 98)
	for _, col := range []string{"NAMESPACE", "BRANCH", "STATUS", "SPOT/OD", "EXPIRES"} {
		if !strings.Contains(header, col) {
			t.Errorf("column %s dropped at 98 cells: %q", col, header)
		}
	}
	// Cut in the middle: the start and the distinguishing hash both show.
	if !strings.Contains(lines[1], "dev-shop-feat") || !strings.Contains(lines[1], "…words-0c1d2e3f") || Width(lines[1]) > 98 {
		t.Errorf("long namespace row: %q", lines[1])
	}
	if !strings.Contains(lines[0], "not running: press u") {
		t.Errorf("not-running row: %q", lines[0])
	}
}

func TestGCRow(t *testing.T) {
	tests := []struct {
		a      GCAction
		result string
		kind   Kind
	}{
		{GCAction{Kind: "delete", Namespace: "dev-shop-x", Project: "shop", Reason: "expired"}, "done", KindNormal},
		{GCAction{Kind: "delete", Namespace: "dev-shop-x", Project: "shop", Reason: "expired", DryRun: true}, "dry run", KindNormal},
		{GCAction{Kind: "sleep", Namespace: "dev-shop-x", Project: "shop", Reason: "idle", Err: "scale web:\n  forbidden", DryRun: true}, "failed: scale web: forbidden", KindBad},
		{GCAction{Kind: "skip", Namespace: "dev-shop-x", Project: "shop", Reason: "unreadable", Skip: true}, "-", KindDim},
	}
	for _, tt := range tests {
		r := GCRow(tt.a)
		if len(r.Cells) != len(GCColumns()) {
			t.Fatalf("%d cells for %d columns", len(r.Cells), len(GCColumns()))
		}
		if got := r.Cells[len(r.Cells)-1]; got != tt.result || r.Kind != tt.kind {
			t.Errorf("%+v: result %q kind %v, want %q %v", tt.a, got, r.Kind, tt.result, tt.kind)
		}
		if r.Cells[3] != "-" || r.Cells[4] != "-" {
			t.Errorf("%+v: empty branch/owner %q %q, want -", tt.a, r.Cells[3], r.Cells[4])
		}
	}
}
