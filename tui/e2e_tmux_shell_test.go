package tui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/meta"
)

// TestEndToEndTmuxShell: in the real berth in tmux, x on a pod suspends
// the UI for a shell in it (kwok runs it as a local process, through the
// API server's exec), the shell answers what is typed, and exit brings
// back the same view with how the shell ended.
func TestEndToEndTmuxShell(t *testing.T) {
	kubeconfig := testcluster.Kubeconfig(t)
	c := testcluster.Client(t)
	bin := buildBerth(t)
	project := testcluster.UniqueName("p")
	ns := testcluster.EnvNamespace(t, c, "e2e", project, "shell", nil)
	labels := map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: project, meta.LabelEnv: ns, "app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example/web:1"}}},
			},
		},
	}
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	ts := startTmux(t, kubeconfig, bin, t.TempDir(), 120, 30)
	ts.waitScreen("the env listed", 30*time.Second, containsAll(ns))
	// Each step waits for its screen: other tests' envs come and go on
	// the shared cluster, and a key typed before the filter prompt is a
	// command, not text.
	ts.keys("/")
	ts.keys("-l", ns)
	ts.waitScreen("the filter typed", 10*time.Second, containsAll("/"+ns))
	ts.keys("Enter")
	ts.waitScreen("the filter applied", 10*time.Second, containsAll("filter: "+ns))
	ts.keys("Enter")
	before := ts.waitScreen("the env's detail, its pod Running", time.Minute, func(s string) bool {
		return strings.Contains(s, "ROLLOUTS") && strings.Contains(s, "berth · ") && strings.Contains(s, ns) && strings.Contains(podSection(s), "Running")
	})

	ts.keys("x")
	ts.waitScreen("the shell", 30*time.Second, func(s string) bool { return !strings.Contains(s, "ROLLOUTS") })
	ts.keys("-l", "echo from-the-shell-$((6*7))")
	ts.keys("Enter")
	ts.waitScreen("the shell's answer", 30*time.Second, containsAll("from-the-shell-42"))
	ts.keys("-l", "exit 4")
	ts.keys("Enter")
	after := ts.waitScreen("the view back", 30*time.Second, containsAll("ROLLOUTS", "ended with exit code 4"))
	if !strings.Contains(after, "shell in pod "+ns+"/web-") || !strings.Contains(after, " container app ended with exit code 4") {
		t.Errorf("message line does not say which shell ended:\n%s", after)
	}
	// The same view: everything but the message line (and ages) as before.
	if podSection(after) == "" || !strings.Contains(after, "> web-") || strings.Count(before, "\n") != strings.Count(after, "\n") {
		t.Errorf("view before the shell:\n%s\nafter:\n%s", before, after)
	}

	ts.keys("q")
	ts.waitScreen("berth to exit", 10*time.Second, containsAll("berth exited 0"))
}
