package shell

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/kubefake"
)

func testPod(name string, age time.Duration, ready bool, containers ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "web"},
			CreationTimestamp: metav1.NewTime(time.Now().Add(-age))},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c})
	}
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
	return p
}

func TestPick(t *testing.T) {
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	annotated := testPod("web-annotated", 3*time.Hour, false, "web", "sidecar")
	annotated.Annotations = map[string]string{defaultContainerAnnotation: "sidecar"}
	cs := kubefake.NewClientset(dep,
		testPod("web-old", time.Hour, true, "web", "sidecar"),
		testPod("web-new", time.Minute, true, "web", "sidecar"),
		testPod("web-starting", time.Second, false, "web", "sidecar"),
		annotated,
	)
	ctx := context.Background()
	tests := []struct {
		name, pod, container string
		want                 Container
		err                  string
	}{
		{name: "newest ready pod, first container", want: Container{Namespace: "ns", Service: "web", Pod: "web-new", Container: "web"}},
		{name: "container named", container: "sidecar", want: Container{Namespace: "ns", Service: "web", Pod: "web-new", Container: "sidecar"}},
		{name: "pod named", pod: "web-old", want: Container{Namespace: "ns", Service: "web", Pod: "web-old", Container: "web"}},
		{name: "kubectl default container", pod: "web-annotated", want: Container{Namespace: "ns", Service: "web", Pod: "web-annotated", Container: "sidecar"}},
		{name: "unknown container", container: "db", err: `service web: pod web-new has no container "db" (containers: web, sidecar)`},
		{name: "pod of another service", pod: "db-0", err: "pod db-0 is not a pod of service web (deployment/web) in ns"},
	}
	for _, tc := range tests {
		got, err := Pick(ctx, cs, "ns", "web", tc.pod, tc.container)
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}

func TestPickNoReadyPod(t *testing.T) {
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	ctx := context.Background()
	_, err := Pick(ctx, kubefake.NewClientset(dep), "ns", "web", "", "")
	if err == nil || err.Error() != "service web (deployment/web) in ns has no pods" {
		t.Errorf("no pods: %v", err)
	}
	_, err = Pick(ctx, kubefake.NewClientset(dep, testPod("web-1", time.Minute, false, "web")), "ns", "web", "", "")
	if err == nil || err.Error() != "service web (deployment/web) in ns has no Ready pod (pods: web-1 Running)" {
		t.Errorf("unready pod: %v", err)
	}
	if _, err := Pick(ctx, kubefake.NewClientset(dep), "ns", "cache", "", ""); err == nil || !strings.Contains(err.Error(), `service "cache" not found`) {
		t.Errorf("unknown service: %v", err)
	}
}

func TestContainerString(t *testing.T) {
	c := Container{Namespace: "ns", Service: "web", Pod: "web-1", Container: "app"}
	if got, want := c.String(), "service web (pod ns/web-1 container app)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}
