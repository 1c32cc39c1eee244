package logs

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/berth-dev/berth/internal/kubefake"
	"github.com/berth-dev/berth/k8s"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// webTarget is service web: a Deployment whose pods have an init
// container and a container.
func webTarget() k8s.Target {
	return k8s.Target{Namespace: "ns", Service: "web", Kind: "Deployment", Name: "web",
		Selector: labels.SelectorFromSet(labels.Set{"app": "web"}),
		Template: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "init"}}, Containers: []corev1.Container{{Name: "web"}}}}
}

// pod is a pod of web, its init container done and web running, or
// waiting in ContainerCreating unless running.
func pod(name string, age time.Duration, running bool) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name),
			Labels: map[string]string{"app": "web"}, CreationTimestamp: metav1.NewTime(t0.Add(-age))},
		Spec: webTarget().Template,
		Status: corev1.PodStatus{
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "init", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}}},
			ContainerStatuses:     []corev1.ContainerStatus{{Name: "web", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}},
		},
	}
	if running {
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	}
	return p
}

// fakeOpen writes "<pod>/<container> n" lines, n of them, then (following,
// for a running container) waits for ctx like a live stream.
func fakeOpen(n int) openFunc {
	return func(ctx context.Context, o k8s.LogOptions, line func(string)) error {
		for i := range n {
			line(fmt.Sprintf("%s/%s %d", o.Pod, o.Container, i))
		}
		if o.Follow && o.Container != "init" {
			<-ctx.Done()
		}
		return nil
	}
}

func TestOnceReadsEveryContainerOldestPodFirst(t *testing.T) {
	cs := kubefake.NewClientset(pod("web-abc-new12", time.Minute, true), pod("web-abc-old34", time.Hour, true), pod("web-abc-wait5", 0, false))
	s, err := newStreamer(cs, []k8s.Target{webTarget()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.open = fakeOpen(1)
	var got []string
	if err := s.once(context.Background(), func(l Line) {
		if l.Kind == Text {
			got = append(got, "["+l.Prefix+"] "+l.Text)
		} else {
			got = append(got, "["+l.Prefix+"] "+l.Notice())
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"[old34/init] web-abc-old34/init 0",
		"[old34/web] web-abc-old34/web 0",
		"[new12/init] web-abc-new12/init 0",
		"[new12/web] web-abc-new12/web 0",
		"[wait5/init] web-abc-wait5/init 0",
		`[wait5/web] error: service web: container "web" in pod "web-abc-wait5" is waiting to start: ContainerCreating`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestOnceErrors(t *testing.T) {
	cs := kubefake.NewClientset(pod("web-abc-old34", time.Hour, true))
	ctx := context.Background()
	err := Stream(ctx, cs, []k8s.Target{webTarget()}, Options{Container: "nope"}, func(Line) {})
	if want := `service web has no container "nope" (containers: init, web)`; err == nil || err.Error() != want {
		t.Errorf("unknown container: %v, want %s", err, want)
	}
	err = Stream(ctx, cs, []k8s.Target{webTarget()}, Options{Previous: true, Container: "web"}, func(Line) {})
	if want := `service web: previous terminated container "web" in pod "web-abc-old34" not found`; err == nil || err.Error() != want {
		t.Errorf("previous of a container that never restarted: %v, want %s", err, want)
	}
	err = Stream(ctx, kubefake.NewClientset(), []k8s.Target{webTarget()}, Options{}, func(Line) {})
	if want := "service web (deployment/web): no pods"; err == nil || err.Error() != want {
		t.Errorf("no pods: %v, want %s", err, want)
	}
	err = Stream(ctx, cs, []k8s.Target{webTarget()}, Options{Previous: true, Follow: true}, func(Line) {})
	if err == nil || !strings.Contains(err.Error(), "cannot be followed") {
		t.Errorf("previous and follow: %v", err)
	}
}

// events collects a follow stream's lines for a test to wait on.
type events struct {
	mu    sync.Mutex
	lines []Line
}

func (e *events) add(l Line) {
	e.mu.Lock()
	e.lines = append(e.lines, l)
	e.mu.Unlock()
}

// waitFor waits until a line satisfies ok.
func (e *events) waitFor(t *testing.T, what string, ok func(Line) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		for _, l := range e.lines {
			if ok(l) {
				e.mu.Unlock()
				return
			}
		}
		e.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no line: %s; got %+v", what, e.lines)
}

func TestFollowPicksUpNewPodsAndDropsDeletedOnes(t *testing.T) {
	before := runtime.NumGoroutine()
	cs := kubefake.NewClientset(pod("web-abc-old34", time.Hour, true))
	s, err := newStreamer(cs, []k8s.Target{webTarget()}, Options{Follow: true, Tail: 10})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var opened []k8s.LogOptions
	open := fakeOpen(1)
	s.open = func(ctx context.Context, o k8s.LogOptions, line func(string)) error {
		mu.Lock()
		opened = append(opened, o)
		mu.Unlock()
		return open(ctx, o, line)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var ev events
	done := make(chan error, 1)
	go func() { done <- s.follow(ctx, ev.add) }()
	text := func(prefix string) func(Line) bool {
		return func(l Line) bool { return l.Kind == Text && l.Prefix == prefix }
	}
	ev.waitFor(t, "the first pod's line", text("old34/web"))

	pods := cs.CoreV1().Pods("ns")
	if _, err := pods.Create(ctx, pod("web-def-new12", 0, false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ev.waitFor(t, "the new pod's init container", text("new12/init"))
	if _, err := pods.UpdateStatus(ctx, pod("web-def-new12", 0, true), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	ev.waitFor(t, "the new pod's container once it started", text("new12/web"))
	if err := pods.Delete(ctx, "web-abc-old34", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ev.waitFor(t, "the deleted pod's stream ended", func(l Line) bool {
		return l.Kind == Ended && l.Prefix == "old34/web" && l.Text == "pod deleted"
	})

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	for _, o := range opened {
		// Tail is for the containers there at the start; new ones are read whole.
		if wantTail := map[string]int64{"web-abc-old34": 10, "web-def-new12": 0}[o.Pod]; o.TailLines != wantTail || !o.Follow {
			t.Errorf("%s/%s: tail %d follow %v, want tail %d and follow", o.Pod, o.Container, o.TailLines, o.Follow, wantTail)
		}
	}
	if len(opened) != 4 {
		t.Errorf("opened %d streams, want 4 (2 pods × init, web): %+v", len(opened), opened)
	}
	mu.Unlock()
	waitGoroutines(t, before)
}

// waitGoroutines fails unless the goroutine count drops back to before.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after cancel, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestBoundedUnderSlowConsumer feeds many lines from several streams
// through a consumer much slower than them: what was produced but not yet
// consumed never exceeds the merged stream's buffer.
func TestBoundedUnderSlowConsumer(t *testing.T) {
	const perStream = 3000
	cs := kubefake.NewClientset(pod("web-abc-aaaaa", time.Hour, true), pod("web-abc-bbbbb", time.Hour, true), pod("web-abc-ccccc", time.Hour, true))
	s, err := newStreamer(cs, []k8s.Target{webTarget()}, Options{Follow: true, Container: "web"})
	if err != nil {
		t.Fatal(err)
	}
	var produced, consumed, most atomic.Int64
	s.open = func(ctx context.Context, o k8s.LogOptions, line func(string)) error {
		for i := range perStream {
			line(fmt.Sprint(i)) // returns once the line is in the buffer
			produced.Add(1)
		}
		<-ctx.Done()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- s.follow(ctx, func(l Line) {
			if l.Kind != Text {
				return
			}
			c := consumed.Add(1)
			if d := produced.Load() - c; d > most.Load() {
				most.Store(d)
			}
			if c%50 == 0 {
				time.Sleep(time.Millisecond) // slow consumer
			}
			if c == 3*perStream {
				cancel()
			}
		})
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if consumed.Load() != 3*perStream {
		t.Fatalf("consumed %d lines, want %d", consumed.Load(), 3*perStream)
	}
	// Each stream may have counted one line it has not handed on yet.
	if most.Load() > Buffer+3 {
		t.Errorf("%d lines were buffered at once, more than the bound %d", most.Load(), Buffer+3)
	}
	if most.Load() < Buffer/2 {
		t.Errorf("at most %d lines waited: the consumer was not slow enough to test the bound", most.Load())
	}
	t.Logf("at most %d lines buffered (bound %d)", most.Load(), Buffer)
}
