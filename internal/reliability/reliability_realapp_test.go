package reliability

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// realisticRepo writes genapp.Realistic (defaults: no berth.yaml) plus
// extra files into a fresh git repository on branch and returns its
// directory and the namespace of its env, deleted when the test ends.
func realisticRepo(t *testing.T, c *k8s.Client, branch string, extra map[string]string) (string, string) {
	t.Helper()
	dir := testcluster.RealisticRepoWith(t, branch, extra)
	ns := envs.Namespace("dev", "sentry", branch)
	deleteNamespace(t, c, ns)
	return dir, ns
}

// TestRealisticAppUpWithDefaults: a 60-service app with external and
// shared volumes, 8 depends_on waves, migration and seed Jobs and a
// NodePort goes from `berth convert` to Ready with no berth.yaml. Every
// Deployment is rolled out, every Job complete, every claim a pod mounts
// exists, and no Service of the dev env needs a node port.
func TestRealisticAppUpWithDefaults(t *testing.T) {
	t.Parallel()
	_, c := private(t)
	dir, ns := realisticRepo(t, c, "realistic-defaults", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	if r := berth(ctx, dir, "convert"); r.code != 0 {
		t.Fatalf("berth convert exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	testcluster.CommitAll(t, dir, "berth convert")
	start := time.Now()
	r := berth(ctx, dir, "up", "--timeout", "45s")
	took := time.Since(start).Round(time.Millisecond)
	if r.code != 0 {
		t.Fatalf("berth up with defaults: exit %d after %s\nstdout:\n%s\nstderr:\n%s", r.code, took, r.stdout, r.stderr)
	}
	t.Logf("berth up of %d services: Ready in %s", genapp.DefaultServices, took)

	st, err := readEnv(ctx, c, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.deployments)+len(st.jobs) != genapp.DefaultServices || len(st.jobs) != 3 {
		t.Errorf("%d Deployments and %d Jobs, want %d workloads of which 3 Jobs", len(st.deployments), len(st.jobs), genapp.DefaultServices)
	}
	for _, d := range st.deployments {
		if want := *d.Spec.Replicas; d.Status.ReadyReplicas != want || d.Status.UpdatedReplicas != want {
			t.Errorf("deployment %s: %d ready, %d updated of %d", d.Name, d.Status.ReadyReplicas, d.Status.UpdatedReplicas, want)
		}
	}
	for _, j := range st.jobs {
		if !jobComplete(j) {
			t.Errorf("job %s not Complete: %d succeeded, %d failed", j.Name, j.Status.Succeeded, j.Status.Failed)
		}
	}
	claims, err := c.Typed.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, pvc := range claims.Items {
		have[pvc.Name] = true
	}
	for _, p := range st.pods {
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && !have[v.PersistentVolumeClaim.ClaimName] {
				t.Errorf("pod %s mounts claim %s, which does not exist", p.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
	}
	svcs, err := c.Typed.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs.Items {
		if s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer {
			t.Errorf("service %s is %s in a dev env", s.Name, s.Spec.Type)
		}
	}
}

// TestRealisticAppQuotaTooSmall: with a configured quota the app cannot
// fit (20 pods for 60 services), `berth up` fails at its preflight, before
// any step that applies or waits (so in seconds, not after --timeout),
// with exit 2, names the pods shortfall and berth.yaml, and applies
// nothing.
func TestRealisticAppQuotaTooSmall(t *testing.T) {
	t.Parallel()
	_, c := private(t)
	dir, ns := realisticRepo(t, c, "realistic-small-quota", map[string]string{"berth.yaml": genapp.BerthQuota(20)})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	r := berth(ctx, dir, "up", "--timeout", "10m")
	t.Logf("berth up failed after %s", time.Since(start).Round(time.Millisecond))
	steps := regexp.MustCompile(`▸ ([^:\n]+):`).FindAllStringSubmatch(r.stdout, -1)
	if r.code != 2 || !strings.Contains(r.stdout, "preflight failed") || len(steps) != 1 || steps[0][1] != "preflight" {
		t.Errorf("berth up with too small a quota: exit %d, steps %v; want exit 2 at the preflight step, no other step\nstdout:\n%s\nstderr:\n%s", r.code, steps, r.stdout, r.stderr)
	}
	for _, want := range []string{"pods", "20", "berth.yaml"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("berth up's error does not name %q:\n%s", want, r.stderr)
		}
	}
	applied, err := appliedObjects(ctx, c, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) > 0 {
		t.Errorf("applied although the quota cannot fit the app: %s", strings.Join(applied, ", "))
	}
}

// appliedObjects lists the workloads, claims and berth's ConfigMaps in ns
// (none when the namespace does not exist).
func appliedObjects(ctx context.Context, c *k8s.Client, ns string) ([]string, error) {
	st, err := readEnv(ctx, c, ns)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	var out []string
	for _, d := range st.deployments {
		out = append(out, "Deployment/"+d.Name)
	}
	for _, j := range st.jobs {
		out = append(out, "Job/"+j.Name)
	}
	claims, err := c.Typed.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	for _, p := range claims.Items {
		out = append(out, "PersistentVolumeClaim/"+p.Name)
	}
	cms, err := c.Typed.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: meta.LabelEnv + "=" + ns})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	for _, m := range cms.Items {
		out = append(out, "ConfigMap/"+m.Name)
	}
	return out, nil
}
