package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/rollout"
)

// createNamespace creates namespace name with labels and annotations and
// deletes it when the test ends.
func createNamespace(t testing.TB, c *k8s.Client, name string, labels, annotations map[string]string) {
	t.Helper()
	testcluster.CreateNamespace(t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: annotations}})
}

// resourceVersions returns the resource versions of the namespace and of
// its ConfigMaps, and the spec and metadata of its Deployments, to tell
// whether anything changed.
func resourceVersions(ctx context.Context, t testing.TB, c *k8s.Client, ns string) map[string]string {
	t.Helper()
	out := map[string]string{}
	n, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("namespace %s: %v", ns, err)
	}
	out["Namespace/"+ns] = n.ResourceVersion
	if n.DeletionTimestamp != nil {
		out["Namespace/"+ns] += " (deleting)"
	}
	cms, err := c.Typed.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		if cm.Name != "kube-root-ca.crt" {
			out["ConfigMap/"+cm.Name] = cm.ResourceVersion
		}
	}
	deps, err := c.Typed.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps.Items {
		// Status updates change the resource version, and the Deployment
		// controller adds its revision annotation when it gets to a new
		// Deployment: compare what berth could change.
		ann := map[string]string{}
		for k, v := range d.Annotations {
			if !strings.HasPrefix(k, "deployment.kubernetes.io/") {
				ann[k] = v
			}
		}
		out["Deployment/"+d.Name] = fmt.Sprintf("generation %d, replicas %d, labels %v, annotations %v", d.Generation, ptr.Deref(d.Spec.Replicas, 1), d.Labels, ann)
	}
	return out
}

func sameVersions(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestPruneSkipsForeignInventoryEntries tampers with an environment's
// inventory so that it lists an unlabelled object in the env and a
// look-alike object (berth's labels for this env, copied) in a foreign
// namespace: the next up prunes neither.
func TestPruneSkipsForeignInventoryEntries(t *testing.T) {
	t.Parallel()
	_, c := private(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	branch := "prune-foreign"
	ns := namespaceOf(t, branch)
	dir := testcluster.ExampleRepo(t, "shop", branch, nil)
	deleteNamespace(t, c, ns)
	mustUp(t, dir)

	foreign := testcluster.UniqueName("team-search")
	createNamespace(t, c, foreign, map[string]string{"team": "search"}, nil)
	lookalike := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Labels: map[string]string{
		meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: "shop", meta.LabelEnv: ns,
	}}}
	if _, err := c.Typed.CoreV1().ConfigMaps(foreign).Create(ctx, lookalike, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	unlabelled := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "hand-made"}}
	if _, err := c.Typed.CoreV1().ConfigMaps(ns).Create(ctx, unlabelled, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	n, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := rollout.DecodeInventory(n.Annotations[meta.AnnotationInventory])
	if err != nil {
		t.Fatal(err)
	}
	inv = append(inv,
		rollout.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: foreign, Name: "settings"},
		rollout.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: ns, Name: "hand-made"})
	enc, err := inv.Encode()
	if err != nil {
		t.Fatal(err)
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{meta.AnnotationInventory: enc}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Typed.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	foreignBefore := resourceVersions(ctx, t, c, foreign)

	r := mustUp(t, dir)
	if _, err := c.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "hand-made", metav1.GetOptions{}); err != nil {
		t.Errorf("up pruned an unlabelled object its inventory listed: %v\n%s", err, r.stdout)
	}
	if after := resourceVersions(ctx, t, c, foreign); !sameVersions(foreignBefore, after) {
		t.Errorf("up changed foreign namespace %s through its inventory: %v → %v\n%s", foreign, foreignBefore, after, r.stdout)
	}
	if !strings.Contains(r.stdout, "left alone") {
		t.Errorf("up did not report the entries it left alone:\n%s", r.stdout)
	}
}

// TestLifecycleRefusesForeign points down, sleep, wake and gc at
// namespaces berth does not own — one without berth's labels (but expired
// and idle by berth's annotations), one of another project — and checks
// each is refused (or skipped, for gc) with nothing changed.
func TestLifecycleRefusesForeign(t *testing.T) {
	t.Parallel()
	_, c := private(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	old := time.Now().Add(-30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	stale := map[string]string{meta.AnnotationExpiresAt: old, meta.AnnotationLastDeploy: old, meta.AnnotationCreatedAt: old, meta.AnnotationBranch: "main"}

	unlabelled := "dev-shop-" + testcluster.UniqueName("nolabel")
	createNamespace(t, c, unlabelled, map[string]string{meta.LabelProject: "shop", meta.LabelEnv: unlabelled}, stale)
	otherProject := "dev-billing-" + testcluster.UniqueName("main")
	createNamespace(t, c, otherProject, map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: "billing", meta.LabelEnv: otherProject}, stale)
	for _, ns := range []string{unlabelled, otherProject} {
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "api", Labels: map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: "shop", meta.LabelEnv: ns}},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To(int32(2)),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "api"}},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "api", Image: "example/api:1"}}},
				},
			},
		}
		if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	dir := testcluster.ExampleRepo(t, "shop", "refusals", nil)
	before := map[string]map[string]string{}
	for _, ns := range []string{unlabelled, otherProject} {
		before[ns] = resourceVersions(ctx, t, c, ns)
	}

	for _, ns := range []string{unlabelled, otherProject} {
		for _, args := range [][]string{{"down", ns, "--yes"}, {"sleep", ns}, {"wake", ns}} {
			r := berth(ctx, dir, args...)
			if r.code != 1 || !strings.Contains(r.stderr, ns) || !strings.Contains(r.stderr, "not") {
				t.Errorf("berth %s: exit %d, stderr %q; want a refusal naming the namespace (exit 1)", strings.Join(args, " "), r.code, r.stderr)
			}
		}
	}
	for _, args := range [][]string{{"gc"}, {"gc", "--all-projects"}} {
		r := berth(ctx, dir, args...)
		if r.code != 0 {
			t.Errorf("berth %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
		}
		if strings.Contains(r.stdout, unlabelled) {
			t.Errorf("berth %s acted on unlabelled namespace %s:\n%s", strings.Join(args, " "), unlabelled, r.stdout)
		}
		if args[len(args)-1] == "gc" && strings.Contains(r.stdout, otherProject) {
			t.Errorf("berth gc of project shop acted on project billing's %s:\n%s", otherProject, r.stdout)
		}
		if args[len(args)-1] == "gc" {
			// Without --all-projects nothing may change at all.
			for _, ns := range []string{unlabelled, otherProject} {
				if after := resourceVersions(ctx, t, c, ns); !sameVersions(before[ns], after) {
					t.Errorf("berth gc changed %s: %v → %v", ns, before[ns], after)
				}
			}
		}
	}
	if after := resourceVersions(ctx, t, c, unlabelled); !sameVersions(before[unlabelled], after) {
		t.Errorf("%s changed: %v → %v", unlabelled, before[unlabelled], after)
	}
}
