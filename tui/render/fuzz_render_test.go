package render_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/testobjects"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
	"github.com/berth-dev/berth/tui/render"
)

// fuzzSeeds are objects that stress the renderers: odd counts and
// phases, missing and hostile strings. Each line is one object.
var fuzzSeeds = []string{
	`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"dev-x","labels":{"app.kubernetes.io/managed-by":"berth","berth.dev/project":"x","berth.dev/env":"dev-x"},"annotations":{"berth.dev/expires-at":"not a time","berth.dev/sleeping":"true","berth.dev/branch":"\u001b[31mred\u0000\n"}}}`,
	`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"dev-x","generation":-3},"spec":{"replicas":-1,"paused":true},"status":{"replicas":2147483647,"readyReplicas":-5,"updatedReplicas":9,"observedGeneration":99,"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"` + "\\t\\r\\n日本語🚀" + `"}]}}`,
	`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"migrate","namespace":"dev-x","creationTimestamp":"2030-01-01T00:00:00Z"},"spec":{"completions":0},"status":{"failed":3,"succeeded":-1,"startTime":"2040-01-01T00:00:00Z","completionTime":"2000-01-01T00:00:00Z","conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}`,
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"dev-x","deletionTimestamp":"2020-01-01T00:00:00Z","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"","uid":"u"}]},"spec":{"nodeName":"ghost","initContainers":[{"name":"i"}],"containers":[]},"status":{"phase":"Failed","reason":"OOMKilled","initContainerStatuses":[{"name":"i","restartCount":-7,"state":{"waiting":{"reason":"CrashLoopBackOff","message":""}}}],"containerStatuses":[{"name":"c","restartCount":2147483647,"lastState":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]}}`,
	`{"apiVersion":"v1","kind":"Node","metadata":{"name":"ghost","labels":{"karpenter.sh/capacity-type":"SPOT","eks.amazonaws.com/capacityType":"ON_DEMAND"}}}`,
	`{"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"dev-x"},"type":"Warning","count":-1,"reason":"","message":"` + "\\u001b]8;;http://x\\u0007link" + `","involvedObject":{"kind":"","name":""},"lastTimestamp":"1970-01-01T00:00:00Z"}`,
}

// FuzzRenderObjects feeds arbitrary objects (JSON lines) through snapshot
// conversion, status.Of and every row renderer at arbitrary widths: no
// panics, statuses add up, and no table line is wider than asked.
func FuzzRenderObjects(f *testing.F) {
	if rec, err := os.ReadFile("../testdata/recorded-shop.yaml"); err == nil {
		f.Add(rec, uint8(120))
		for _, line := range bytes.Split(rec, []byte("\n")) {
			f.Add(line, uint8(60))
		}
	} else {
		f.Fatalf("seed: %v", err)
	}
	all := []byte{}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint8(80))
		all = append(append(all, s...), '\n')
	}
	f.Add(all, uint8(0))
	f.Add(all, uint8(17))
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, w uint8) {
		width := int(w)
		objs := testobjects.DecodeLines(data)
		snap := k8s.SnapshotFromObjects(objs, now, "dev-x")
		var envRows []render.Row
		for _, n := range snap.Namespaces {
			st := status.Of(snap, n.Name)
			if st.Ready > st.Total {
				t.Fatalf("%s: ready %d > total %d", n.Name, st.Ready, st.Total)
			}
			if st.Spot+st.OnDemand+st.Others != st.Pods {
				t.Fatalf("%s: pods %d != spot %d + on-demand %d + others %d", n.Name, st.Pods, st.Spot, st.OnDemand, st.Others)
			}
			_ = st.Label()
			envRows = append(envRows, render.EnvRow(st, render.NewClock(now), true, true))
			var rows []render.Row
			for _, wl := range snap.WorkloadsIn(n.Name) {
				rows = append(rows, render.WorkloadRow(wl))
			}
			checkTable(t, render.WorkloadColumns(), rows, width)
			rows = rows[:0]
			for _, j := range snap.JobsIn(n.Name) {
				rows = append(rows, render.JobRow(j, render.NewClock(now)))
			}
			checkTable(t, render.JobColumns(), rows, width)
			rows = rows[:0]
			for _, p := range snap.PodsIn(n.Name) {
				rows = append(rows, render.PodRow(p, render.CapacityLabel(snap.NodeCapacity(p.Node)), render.NewClock(now)))
				_ = render.PodKind(p)
			}
			checkTable(t, render.PodColumns(), rows, width)
		}
		checkTable(t, render.EnvColumns(true), envRows, width)
		var rows []render.Row
		for _, e := range snap.Events {
			rows = append(rows, render.EventRow(e, render.NewClock(now)))
		}
		checkTable(t, render.EventColumns(), rows, width)
	})
}

// checkTable renders rows and fails when a line is wider than width.
func checkTable(t *testing.T, cols []render.Column, rows []render.Row, width int) {
	t.Helper()
	header, lines := render.Table(cols, rows, width)
	for _, l := range append([]string{header}, lines...) {
		if got := render.Width(l); got > width {
			t.Fatalf("line %q is %d cells wide, want at most %d", l, got, width)
		}
	}
}
