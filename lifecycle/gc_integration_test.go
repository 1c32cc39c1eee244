package lifecycle_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
)

// lcNamespace returns the namespace, or nil once it is gone.
func lcNamespace(t *testing.T, c *k8s.Client, name string) *corev1.Namespace {
	t.Helper()
	ns, err := c.Typed.CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return ns
}

func TestGCDeletesExpiredSleepsIdleKeepsOthers(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	project := testcluster.UniqueName("p")

	expired := lcEnv(t, c, project, "old", map[string]string{meta.AnnotationExpiresAt: at(-time.Minute), meta.AnnotationLastDeploy: at(-7 * 24 * time.Hour)})
	fresh := lcEnv(t, c, project, "fresh", map[string]string{meta.AnnotationExpiresAt: at(7 * 24 * time.Hour)})
	idle := lcEnv(t, c, project, "idle", map[string]string{meta.AnnotationExpiresAt: at(24 * time.Hour), meta.AnnotationLastDeploy: at(-9 * time.Hour)})
	lcWorkload(t, c, "Deployment", idle, "web", 2, lcLabels(project, idle))
	otherProject := lcEnv(t, c, testcluster.UniqueName("q"), "old", map[string]string{meta.AnnotationExpiresAt: at(-time.Hour)})
	notBerths := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:        testcluster.UniqueName("lc-manual"),
		Labels:      map[string]string{meta.LabelProject: project}, // no managed-by
		Annotations: map[string]string{meta.AnnotationExpiresAt: at(-time.Hour)},
	}}
	testcluster.CreateNamespace(t, c, notBerths)

	cfg := envs.DefaultConfig()
	cfg.Project = project
	cfg.IdleSleep = envs.Duration(8 * time.Hour)

	// A dry run says what would happen and changes nothing.
	plan, err := lifecycle.GC(ctx, c, cfg, now, true)
	if err != nil {
		t.Fatalf("GC dry run: %v", err)
	}
	want := map[string]lifecycle.ActionKind{expired: lifecycle.ActionDelete, idle: lifecycle.ActionSleep}
	checkActions(t, plan, want, true)
	for _, ns := range []string{expired, fresh, idle, otherProject, notBerths.Name} {
		n := lcNamespace(t, c, ns)
		if n == nil || n.DeletionTimestamp != nil || n.Annotations[meta.AnnotationSleeping] != "" {
			t.Fatalf("dry run changed namespace %s", ns)
		}
	}
	if got := lcReplicas(t, c, idle); got["Deployment/web"] != "2" {
		t.Fatalf("dry run scaled: %v", got)
	}

	done, err := lifecycle.GC(ctx, c, cfg, now, false)
	if err != nil {
		t.Fatalf("GC: %v", err)
	}
	checkActions(t, done, want, false)
	if n := lcNamespace(t, c, expired); n != nil && n.DeletionTimestamp == nil {
		t.Errorf("expired env %s not deleted", expired)
	}
	for _, ns := range []string{fresh, idle, otherProject, notBerths.Name} {
		if n := lcNamespace(t, c, ns); n == nil || n.DeletionTimestamp != nil {
			t.Errorf("gc deleted %s, which it must keep", ns)
		}
	}
	if got := lcSleeping(t, c, idle); got != "true" {
		t.Errorf("idle env %s not marked sleeping", idle)
	}
	if got := lcReplicas(t, c, idle); got["Deployment/web"] != "0|2" {
		t.Errorf("idle env's deployment after gc: %v, want 0 remembering 2", got)
	}
	if got := lcSleeping(t, c, fresh); got != "" {
		t.Errorf("fresh env %s put to sleep", fresh)
	}

	// Nothing left to do: the expired env is terminating, the idle one asleep.
	again, err := lifecycle.GC(ctx, c, cfg, now, false)
	if err != nil || len(again) != 0 {
		t.Errorf("second GC = %+v, %v; want nothing", again, err)
	}
}

func checkActions(t *testing.T, got []lifecycle.Action, want map[string]lifecycle.ActionKind, dryRun bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("actions %+v, want %v", got, want)
	}
	for _, a := range got {
		if want[a.Namespace] != a.Kind || a.DryRun != dryRun || a.Err != "" || a.Reason == "" {
			t.Errorf("action %+v, want %s (dry run %t)", a, want[a.Namespace], dryRun)
		}
	}
}
