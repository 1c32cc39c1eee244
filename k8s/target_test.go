package k8s

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/kubefake"
	"github.com/berth-dev/berth/meta"
)

func TestResolveTarget(t *testing.T) {
	sel := func(s string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{meta.LabelService: s}}
	}
	cs := kubefake.NewClientset(
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", Labels: map[string]string{meta.LabelService: "web"}},
			Spec: appsv1.DeploymentSpec{Selector: sel("web")}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db-3f2a1c", Namespace: "ns", Labels: map[string]string{meta.LabelService: "db"}},
			Spec: appsv1.StatefulSetSpec{Selector: sel("db")}},
		&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "web-migrate", Namespace: "ns", Labels: map[string]string{meta.LabelService: "web"}},
			Spec: batchv1.JobSpec{Selector: sel("web-migrate")}},
	)
	ctx := context.Background()
	tests := []struct{ in, want, err string }{
		{in: "web", want: "deployment/web"},
		{in: "db", want: "statefulset/db-3f2a1c"},
		{in: "web-migrate", want: "job/web-migrate"},
		{in: "cache", err: `service "cache" not found in ns (services: db, web)`},
	}
	for _, tc := range tests {
		got, err := ResolveTarget(ctx, cs, "ns", tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("%s: got %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if _, err := ResolveTarget(ctx, cs, "empty", "web"); err == nil || !strings.Contains(err.Error(), "has no workloads") {
		t.Errorf("empty namespace: %v", err)
	}
}

func TestReadyPodNewest(t *testing.T) {
	now := time.Now()
	pod := func(name string, age time.Duration, ready bool, deleting bool) corev1.Pod {
		p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(now.Add(-age))},
			Status: corev1.PodStatus{Phase: corev1.PodRunning}}
		st := corev1.ConditionFalse
		if ready {
			st = corev1.ConditionTrue
		}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
		if deleting {
			p.DeletionTimestamp = &metav1.Time{Time: now}
		}
		return p
	}
	pods := []corev1.Pod{pod("old", time.Hour, true, false), pod("new-unready", time.Second, false, false),
		pod("newer", time.Minute, true, false), pod("going", 0, true, true)}
	got, ok := ReadyPod(pods)
	if !ok || got.Name != "newer" {
		t.Fatalf("ReadyPod = %s, %v; want newer", got.Name, ok)
	}
	if _, ok := ReadyPod(pods[1:2]); ok {
		t.Fatal("ReadyPod found a pod among unready ones")
	}
}
