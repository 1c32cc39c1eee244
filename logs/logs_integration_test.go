package logs_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/logs"
)

// kwok serves every container the lines of localcluster/cluster/logs.txt.
const knownLine = `level=info msg="starting" component=app`

// merged collects a stream's lines.
type merged struct {
	mu    sync.Mutex
	lines []logs.Line
}

func (m *merged) add(l logs.Line) {
	m.mu.Lock()
	m.lines = append(m.lines, l)
	m.mu.Unlock()
}

// snapshot returns the lines so far.
func (m *merged) snapshot() []logs.Line {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]logs.Line(nil), m.lines...)
}

// waitUntil polls cond over the lines with a generous deadline.
func (m *merged) waitUntil(t *testing.T, what string, cond func([]logs.Line) bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
		return cond(m.snapshot()), nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v; lines:\n%s", what, err, dump(m.snapshot()))
	}
}

func dump(ls []logs.Line) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString("[" + l.Prefix + "] " + l.Text + l.Notice() + "\n")
	}
	return b.String()
}

// podsWith are the pods that wrote knownLine from container c, by prefix.
func podsWith(ls []logs.Line, c string) map[string]string {
	out := map[string]string{}
	for _, l := range ls {
		if l.Kind == logs.Text && l.Container == c && l.Text == knownLine {
			out[l.Pod] = l.Prefix
		}
	}
	return out
}

// TestMergedLogsAcrossARollout follows the merged logs of a Deployment of
// 3 replicas (an init container and a container each) on the local
// cluster, rolls it out in the middle, and checks that the new pods' lines
// arrive under their own prefixes while the deleted pods' streams end;
// after cancel nothing of the stream is left running.
func TestMergedLogsAcrossARollout(t *testing.T) {
	c := testcluster.Client(t)
	ns := testcluster.Namespace(t, c, "logs")
	ctx := context.Background()
	sel := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel}, Spec: corev1.PodSpec{
				InitContainers: []corev1.Container{{Name: "migrate", Image: "example/web:1"}},
				Containers:     []corev1.Container{{Name: "web", Image: "example/web:1"}},
			}},
		},
	}
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	target, err := k8s.ResolveTarget(ctx, c.Typed, ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	running := func(want int) []corev1.Pod {
		var pods []corev1.Pod
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			all, err := target.Pods(ctx, c.Typed)
			pods = nil
			for _, p := range all {
				if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
					pods = append(pods, p)
				}
			}
			return err == nil && len(pods) == want && len(all) == want, err
		})
		if err != nil {
			t.Fatalf("waiting for %d running pods of %s: %v", want, target, err)
		}
		return pods
	}
	first := running(3)

	// --previous on containers that never restarted: an error naming them.
	err = logs.Stream(ctx, c.Typed, []k8s.Target{target}, logs.Options{Previous: true, Container: "web"}, func(logs.Line) {})
	if err == nil || !strings.Contains(err.Error(), `service web: previous terminated container "web" in pod "`+first[0].Name+`" not found`) {
		t.Errorf("--previous of containers that never restarted: %v", err)
	}

	// --tail and --since reach the kubelet: kwok's lines are from 2026-11-25.
	count := func(o logs.Options) (n int) {
		t.Helper()
		err := logs.Stream(ctx, c.Typed, []k8s.Target{target}, o, func(l logs.Line) {
			if l.Kind == logs.Text {
				n++
			}
		})
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		return n
	}
	if n := count(logs.Options{Tail: 2}); n != 3*2*2 {
		t.Errorf("--tail 2: %d lines, want 2 of each of 3 pods × 2 containers", n)
	}
	if n := count(logs.Options{Since: time.Second, Container: "web"}); n != 0 {
		t.Errorf("--since 1s: %d lines of days ago", n)
	}
	if all, since := count(logs.Options{Container: "web"}), count(logs.Options{Container: "web", Since: 100 * 365 * 24 * time.Hour}); all == 0 || since != all {
		t.Errorf("--since 100y: %d lines, without it %d", since, all)
	}

	before := runtime.NumGoroutine()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var m merged
	done := make(chan error, 1)
	go func() { done <- logs.Stream(sctx, c.Typed, []k8s.Target{target}, logs.Options{Follow: true}, m.add) }()

	old := map[string]bool{}
	for _, p := range first {
		old[p.Name] = true
	}
	m.waitUntil(t, "lines of the 3 pods' containers and init containers", func(ls []logs.Line) bool {
		return len(podsWith(ls, "web")) == 3 && len(podsWith(ls, "migrate")) == 3
	})
	for pod, prefix := range podsWith(m.snapshot(), "web") {
		// The shortest unique suffix: the pod's random tail.
		if want := pod[strings.LastIndex(pod, "-")+1:] + "/web"; prefix != want {
			t.Errorf("prefix of %s is %q, want %q", pod, prefix, want)
		}
	}

	// A rollout in the middle: new pods replace the 3.
	patch := `{"spec":{"template":{"metadata":{"annotations":{"berth.dev/test-rollout":"` + time.Now().Format(time.RFC3339Nano) + `"}}}}}`
	if _, err := c.Typed.AppsV1().Deployments(ns).Patch(ctx, "web", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	m.waitUntil(t, "lines of 3 new pods and the end of the 3 deleted ones' streams", func(ls []logs.Line) bool {
		fresh := 0
		for pod := range podsWith(ls, "web") {
			if !old[pod] {
				fresh++
			}
		}
		ended := map[string]bool{}
		for _, l := range ls {
			if l.Kind == logs.Ended && l.Text == "pod deleted" && l.Container == "web" && old[l.Pod] {
				ended[l.Pod] = true
			}
		}
		return fresh == 3 && len(ended) == 3
	})
	prefixes := map[string]string{}
	for pod, prefix := range podsWith(m.snapshot(), "web") {
		if other, dup := prefixes[prefix]; dup {
			t.Errorf("pods %s and %s share the prefix %s", pod, other, prefix)
		}
		prefixes[prefix] = pod
	}
	for _, l := range m.snapshot() {
		if l.Kind == logs.Failed {
			t.Errorf("a stream failed: [%s] %v", l.Prefix, l.Err)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Stream: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Stream did not return after cancel")
	}
	// Nothing of the stream runs on: no log stream, no pod watch.
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		s := stacks()
		return !strings.Contains(s, "berth/logs.(") && !strings.Contains(s, "k8s.StreamLogs") && !strings.Contains(s, "tools/cache."), nil
	})
	if err != nil {
		t.Errorf("goroutines of the stream still run after cancel (%d now, %d before):\n%s", runtime.NumGoroutine(), before, stacks())
	}
}

func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
