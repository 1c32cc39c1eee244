package k8s

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	"github.com/berth-dev/berth/internal/kubefake"
)

func berthMeta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"owner": "me"}}
}

func startFake(t *testing.T, cs *kubefake.Clientset) *Watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := NewWatcher(cs, WatchOptions{NamespaceSelector: "owner=me", ObjectSelector: "owner=me", Debounce: 5 * time.Millisecond})
	w.Start(ctx)
	return w
}

func waitFor(t *testing.T, w *Watcher, what string, cond func(*Snapshot) bool) *Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := w.WaitFor(ctx, cond)
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
	return s
}

func TestWatcherSeesObjectsThroughSelectors(t *testing.T) {
	cs := kubefake.NewClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "env-a", Labels: map[string]string{"owner": "me"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}},
		&appsv1.Deployment{ObjectMeta: berthMeta("env-a", "web"), Status: appsv1.DeploymentStatus{ReadyReplicas: 1}},
		&corev1.Pod{ObjectMeta: berthMeta("env-a", "web-1"), Status: corev1.PodStatus{Phase: corev1.PodRunning}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "stranger"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{LabelKarpenterCapacityType: "spot"}}},
	)
	w := startFake(t, cs)
	s := waitFor(t, w, "initial objects", func(s *Snapshot) bool {
		return len(s.Namespaces) == 1 && len(s.PodsIn("env-a")) == 1 && len(s.WorkloadsIn("env-a")) == 1 && len(s.Nodes) == 1
	})
	if _, ok := s.Namespace("other"); ok {
		t.Error("namespace outside the selector is in the snapshot")
	}
	if len(s.PodsIn("other")) != 0 {
		t.Error("pod outside the selector is in the snapshot")
	}
	if got := s.NodeCapacity("n1"); got != CapacitySpot {
		t.Errorf("capacity of n1 = %q, want spot", got)
	}
	if !s.Connection.Connected {
		t.Errorf("connection = %+v, want connected", s.Connection)
	}

	// A change arrives through the watch, not a poll.
	ctx := context.Background()
	p := &corev1.Pod{ObjectMeta: berthMeta("env-a", "web-2"), Status: corev1.PodStatus{Phase: corev1.PodPending}}
	if _, err := cs.CoreV1().Pods("env-a").Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, w, "new pod", func(s *Snapshot) bool { return len(s.PodsIn("env-a")) == 2 })
	if err := cs.CoreV1().Pods("env-a").Delete(ctx, "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	s = waitFor(t, w, "deleted pod", func(s *Snapshot) bool { return len(s.PodsIn("env-a")) == 1 })
	if s.PodsIn("env-a")[0].Name != "web-2" {
		t.Errorf("pods = %+v", s.PodsIn("env-a"))
	}
}

func TestWatcherRecordsForbiddenResourceAndKeepsTheRest(t *testing.T) {
	cs := kubefake.NewClientset(&corev1.Pod{ObjectMeta: berthMeta("env-a", "web-1")})
	forbid := func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "jobs"}, "", nil)
	}
	cs.PrependReactor("list", "jobs", forbid)
	cs.PrependWatchReactor("jobs", func(k8stesting.Action) (bool, watch.Interface, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "jobs"}, "", nil)
	})
	w := startFake(t, cs)
	s := waitFor(t, w, "jobs error and pods", func(s *Snapshot) bool {
		return s.Resources[ResourceJobs].Forbidden && len(s.PodsIn("env-a")) == 1 && s.Resources[ResourcePods].Synced
	})
	if got := s.Errors(); len(got) != 1 || got[0] != ResourceJobs {
		t.Errorf("Errors() = %v, want [jobs]", got)
	}
	if s.Resources[ResourceJobs].Synced {
		t.Errorf("forbidden jobs marked synced: %+v", s.Resources[ResourceJobs])
	}
}

func TestWatcherEventsOfOpenedNamespaceOnly(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	ev := func(ns, name, typ string, at time.Time) *corev1.Event {
		return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: typ, Reason: name,
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-1"}, LastTimestamp: metav1.NewTime(at), Count: 1}
	}
	cs := kubefake.NewClientset(ev("env-a", "old", "Normal", t0), ev("env-a", "new", "Warning", t0.Add(time.Minute)), ev("env-b", "b", "Normal", t0))
	w := startFake(t, cs)
	waitFor(t, w, "sync", func(s *Snapshot) bool { return s.Resources[ResourcePods].Synced })
	if s := w.Snapshot(); len(s.Events) != 0 {
		t.Fatalf("events before opening: %+v", s.Events)
	}
	w.OpenEvents("env-a")
	s := waitFor(t, w, "events of env-a", func(s *Snapshot) bool { return len(s.Events) == 2 })
	if s.EventsNamespace != "env-a" || s.Events[0].Reason != "new" || s.Events[0].Type != "Warning" {
		t.Errorf("events = %+v, want newest (Warning new) first", s.Events)
	}
	w.OpenEvents("env-b")
	s = waitFor(t, w, "events of env-b", func(s *Snapshot) bool { return s.EventsNamespace == "env-b" && len(s.Events) == 1 })
	if s.Events[0].Reason != "b" {
		t.Errorf("events = %+v", s.Events)
	}
	w.OpenEvents("")
	waitFor(t, w, "no events", func(s *Snapshot) bool { return s.EventsNamespace == "" && len(s.Events) == 0 })
}

func TestRestartWorkloadsPatchesTemplates(t *testing.T) {
	cs := kubefake.NewClientset(&appsv1.Deployment{ObjectMeta: berthMeta("env-a", "web")}, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "env-a", Name: "foreign"}})
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	done, err := RestartWorkloads(context.Background(), cs, "env-a", "owner=me", at)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 1 || done[0] != "Deployment/web" {
		t.Fatalf("restarted %v", done)
	}
	d, err := cs.AppsV1().Deployments("env-a").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Spec.Template.Annotations[AnnotationRestartedAt]; got != "2026-11-25T10:00:00Z" {
		t.Errorf("restartedAt = %q", got)
	}
}

func TestStreamLogs(t *testing.T) {
	cs := kubefake.NewClientset(&corev1.Pod{ObjectMeta: berthMeta("env-a", "web-1")})
	var lines []string
	err := StreamLogs(context.Background(), cs, LogOptions{Namespace: "env-a", Pod: "web-1"}, func(s string) { lines = append(lines, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0] != "fake logs" {
		t.Errorf("lines = %q", lines)
	}
}
