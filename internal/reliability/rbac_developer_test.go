package reliability

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// developerContext is the kubeconfig context of the local cluster's token
// user dev@example.com in group berth:developers.
const developerContext = "berth-local-developer"

// vapMessage is what the namespace admission policy answers.
const vapMessage = "is not managed by berth"

// applyRBAC builds deploy/rbac with kustomize and applies it as admin.
func applyRBAC(ctx context.Context, t testing.TB, c *k8s.Client) {
	t.Helper()
	root, err := filepath.Abs("../../deploy/rbac")
	if err != nil {
		t.Fatal(err)
	}
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), root)
	if err != nil {
		t.Fatalf("kustomize deploy/rbac: %v", err)
	}
	for _, r := range res.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Apply(ctx, &unstructured.Unstructured{Object: m}); err != nil {
			t.Fatalf("apply deploy/rbac: %v", err)
		}
	}
}

// TestDeveloperRBAC applies deploy/rbac as admin, then acts as the token
// user in berth:developers: `berth up`, status and `down` of its own
// environment work (through the RoleBinding up creates), and the API
// server itself denies deleting or relabelling a namespace berth does not
// own, and binding roles in it.
func TestDeveloperRBAC(t *testing.T) {
	t.Parallel()
	p, admin := private(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dev, err := k8s.NewClient(k8s.Flags{Kubeconfig: p.Kubeconfig(), Context: developerContext})
	if err != nil {
		t.Fatal(err)
	}

	foreign := testcluster.UniqueName("team-payments")
	if _, err := admin.Typed.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: foreign, Labels: map[string]string{"team": "payments"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deleteNamespace(t, admin, foreign)

	// Without deploy/rbac the developer may do nothing.
	if err := dev.Typed.CoreV1().Namespaces().Delete(ctx, foreign, metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("developer deleting a namespace before deploy/rbac: %v, want forbidden by RBAC", err)
	}

	applyRBAC(ctx, t, admin)
	// The policy takes effect once the API server has loaded it: poll.
	var denial error
	poll(t, time.Minute, "the admission policy denies deleting a foreign namespace", func(ctx context.Context) (bool, error) {
		denial = dev.Typed.CoreV1().Namespaces().Delete(ctx, foreign, metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
		return denial != nil && strings.Contains(denial.Error(), vapMessage), nil
	})
	err = dev.Typed.CoreV1().Namespaces().Delete(ctx, foreign, metav1.DeleteOptions{})
	if !apierrors.IsForbidden(err) && !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), vapMessage) {
		t.Fatalf("developer deleting foreign namespace %s: %v, want the policy's denial", foreign, err)
	}
	t.Logf("denied: %v", err)
	patch := []byte(`{"metadata":{"labels":{"app.kubernetes.io/managed-by":"berth","berth.dev/project":"shop"}}}`)
	if _, err := dev.Typed.CoreV1().Namespaces().Patch(ctx, foreign, types.MergePatchType, patch, metav1.PatchOptions{}); err == nil || !strings.Contains(err.Error(), vapMessage) {
		t.Errorf("developer relabelling foreign namespace %s as berth's: %v, want the policy's denial", foreign, err)
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "takeover"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: envs.DeveloperEnvRole},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: envs.DefaultDeveloperGroup}},
	}
	if _, err := dev.Typed.RbacV1().RoleBindings(foreign).Create(ctx, rb, metav1.CreateOptions{}); err == nil || !strings.Contains(err.Error(), "not managed by berth") {
		t.Errorf("developer binding the env role in foreign namespace %s: %v, want the policy's denial", foreign, err)
	}
	if n, err := admin.Typed.CoreV1().Namespaces().Get(ctx, foreign, metav1.GetOptions{}); err != nil || n.DeletionTimestamp != nil || n.Labels[meta.LabelManagedBy] != "" {
		t.Fatalf("foreign namespace changed: %v %+v", err, n)
	}

	// The developer's own environment: up, status, down.
	branch := "rbac-developer"
	ns := namespaceOf(t, branch)
	dir := testcluster.ExampleRepo(t, "shop", branch, nil)
	deleteNamespace(t, admin, ns)
	up := berth(ctx, dir, "--context", developerContext, "up", "--timeout", "2m")
	if up.code != 0 {
		t.Fatalf("berth up as the developer: exit %d\n%s\n%s", up.code, up.stdout, up.stderr)
	}
	if err := checkConverged(ctx, admin, ns); err != nil {
		t.Fatal(err)
	}
	b, err := admin.Typed.RbacV1().RoleBindings(ns).Get(ctx, envs.DeveloperBindingName, metav1.GetOptions{})
	if err != nil || b.RoleRef.Name != envs.DeveloperEnvRole || len(b.Subjects) != 1 || b.Subjects[0].Name != envs.DefaultDeveloperGroup {
		t.Fatalf("developer RoleBinding in %s: %v %+v", ns, err, b)
	}
	if st := berth(ctx, dir, "--context", developerContext, "status"); st.code != 0 {
		t.Errorf("berth status as the developer: exit %d\n%s", st.code, st.stderr)
	}
	down := berth(ctx, dir, "--context", developerContext, "down", "--yes", "--wait")
	if down.code != 0 {
		t.Fatalf("berth down as the developer: exit %d\n%s\n%s", down.code, down.stdout, down.stderr)
	}
	if _, err := admin.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s after down: %v", ns, err)
	}
	// berth itself refuses too, before the API server is asked.
	refused := berth(ctx, dir, "--context", developerContext, "down", foreign, "--yes")
	if refused.code == 0 || !strings.Contains(refused.stderr, foreign) {
		t.Errorf("berth down %s as the developer: exit %d: %s", foreign, refused.code, refused.stderr)
	}
}
