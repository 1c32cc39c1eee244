package lifecycle_test

import (
	"context"
	"errors"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
)

// lcEnv creates a namespace labelled as berth's environment of project on
// the branch, created and last deployed now, with extra annotations,
// deleted when the test ends.
func lcEnv(t *testing.T, c *k8s.Client, project, branch string, ann map[string]string) string {
	t.Helper()
	now := time.Now().UTC().Format(time.RFC3339)
	a := map[string]string{meta.AnnotationCreatedAt: now, meta.AnnotationLastDeploy: now}
	for k, v := range ann {
		a[k] = v
	}
	return testcluster.EnvNamespace(t, c, "lc", project, branch, a)
}

// lcWorkload creates a Deployment or StatefulSet (kind) with labels (also
// on its pods).
func lcWorkload(t *testing.T, c *k8s.Client, kind, ns, name string, replicas int32, labels map[string]string) {
	t.Helper()
	pl := map[string]string{"app": name}
	for k, v := range labels {
		pl[k] = v
	}
	om := metav1.ObjectMeta{Name: name, Labels: labels}
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}
	tpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pl}, Spec: lcPodSpec(name)}
	var err error
	switch kind {
	case "Deployment":
		d := &appsv1.Deployment{ObjectMeta: om, Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: sel, Template: tpl}}
		_, err = c.Typed.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{})
	case "StatefulSet":
		s := &appsv1.StatefulSet{ObjectMeta: om, Spec: appsv1.StatefulSetSpec{Replicas: &replicas, Selector: sel, Template: tpl}}
		_, err = c.Typed.AppsV1().StatefulSets(ns).Create(context.Background(), s, metav1.CreateOptions{})
	default:
		t.Fatalf("lcWorkload: kind %q is neither Deployment nor StatefulSet", kind)
	}
	if err != nil {
		t.Fatalf("create %s %s/%s: %v", kind, ns, name, err)
	}
}

// lcPodSpec runs anywhere, spot nodes included.
func lcPodSpec(name string) corev1.PodSpec {
	return corev1.PodSpec{
		Containers:  []corev1.Container{{Name: "main", Image: "example/" + name + ":1"}},
		Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
	}
}

// lcLabels are berth's object labels for an env.
// lcDeleteTimeout bounds waiting for a namespace deletion: ~10 s on an idle
// local cluster, minutes when other tests just deleted hundreds.
const lcDeleteTimeout = 5 * time.Minute

func lcLabels(project, ns string) map[string]string {
	return map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: project, meta.LabelEnv: ns}
}

func TestDownRefusesForeignNamespace(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	project := testcluster.UniqueName("p")

	foreign := testcluster.Namespace(t, c, "lc-foreign") // no berth labels
	lcWorkload(t, c, "Deployment", foreign, "web", 1, map[string]string{"team": "x"})
	other := lcEnv(t, c, "someone-else", "main", nil) // berth's, but another project

	for _, ns := range []string{foreign, other} {
		before, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		err = lifecycle.Down(ctx, c, ns, project, true)
		var no *envs.NotOwnedError
		if !errors.As(err, &no) {
			t.Fatalf("Down(%s) = %v, want *NotOwnedError", ns, err)
		}
		after, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("namespace %s after refused down: %v", ns, err)
		}
		if after.DeletionTimestamp != nil || after.ResourceVersion != before.ResourceVersion {
			t.Errorf("namespace %s changed by a refused down: deleting=%v rv %s → %s", ns, after.DeletionTimestamp != nil, before.ResourceVersion, after.ResourceVersion)
		}
	}
	if _, err := c.Typed.AppsV1().Deployments(foreign).Get(ctx, "web", metav1.GetOptions{}); err != nil {
		t.Errorf("deployment in the foreign namespace: %v", err)
	}
}

func TestDownDeletesOwnedEnv(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), lcDeleteTimeout)
	defer cancel()
	project := testcluster.UniqueName("p")
	ns := lcEnv(t, c, project, "feature/down", nil)
	lcWorkload(t, c, "Deployment", ns, "web", 1, lcLabels(project, ns))

	if err := lifecycle.Down(ctx, c, ns, project, true); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if _, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace %s after Down with wait: err = %v, want NotFound", ns, err)
	}
	if err := lifecycle.Down(ctx, c, ns, project, false); !apierrors.IsNotFound(err) {
		t.Errorf("Down of a missing env = %v, want a NotFound error", err)
	}
}

func TestDownWithoutWaitReturnsWhileTerminating(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), lcDeleteTimeout)
	defer cancel()
	project := testcluster.UniqueName("p")
	ns := lcEnv(t, c, project, "main", nil)

	if err := lifecycle.Down(ctx, c, ns, project, false); err != nil {
		t.Fatalf("Down: %v", err)
	}
	got, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err == nil && got.DeletionTimestamp == nil {
		t.Fatalf("namespace %s not being deleted after Down", ns)
	}
	// A second down of the terminating env waits for it instead of failing.
	if err := lifecycle.Down(ctx, c, ns, project, true); err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("second Down: %v", err)
	}
	if _, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace %s still there: %v", ns, err)
	}
}
