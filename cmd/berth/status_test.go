package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestStatusWatchStreamsChanges(t *testing.T) {
	c := testcluster.Client(t)
	project := testcluster.UniqueName("p")
	ns := cliEnv(t, c, project, "watch", nil)
	testcluster.WaitServiceAccount(t, c, ns)
	labels := map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: project, meta.LabelEnv: ns}
	podLabels := map[string]string{"app": "web"}
	for k, v := range labels {
		podLabels[k] = v
	}
	one := int32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{
					Containers:  []corev1.Container{{Name: "main", Image: "example/web:1"}},
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
				},
			},
		},
	}
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	args := []string{"berth", "--kubeconfig", testcluster.Kubeconfig(t), "status", ns, "--watch", "-o", "json", "--project", project, "--dir", t.TempDir()}
	go func() { done <- run(ctx, args, nil, &out, &errOut) }()

	// lines decodes the JSON objects printed so far.
	lines := func() []statusView {
		var vs []statusView
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var v statusView
			if json.Unmarshal([]byte(l), &v) == nil {
				vs = append(vs, v)
			}
		}
		return vs
	}
	waitView := func(what string, cond func(statusView) bool) {
		t.Helper()
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
			vs := lines()
			return len(vs) > 0 && cond(vs[len(vs)-1]), nil
		})
		if err != nil {
			t.Fatalf("status --watch never showed %s; output:\n%s\nstderr: %s", what, out.String(), errOut.String())
		}
	}
	waitView("web ready", func(v statusView) bool {
		return v.Status == status.PhaseReady && v.Ready == 1 && v.Total == 1 && len(v.Pods) == 1
	})
	before := len(lines())

	if _, err := c.Typed.AppsV1().Deployments(ns).Patch(ctx, "web", "application/merge-patch+json", []byte(`{"spec":{"replicas":3}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitView("the scale-up", func(v statusView) bool { return v.Ready == 3 && v.Total == 3 && len(v.Pods) == 3 })
	vs := lines()
	if len(vs) <= before {
		t.Fatalf("no new block after the change")
	}
	for i := 1; i < len(vs); i++ {
		a, _ := json.Marshal(vs[i-1])
		b, _ := json.Marshal(vs[i])
		if bytes.Equal(a, b) {
			t.Errorf("block %d repeats block %d unchanged", i, i-1)
		}
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("status --watch exit %d after interrupt: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("status --watch did not stop on cancel")
	}
}
