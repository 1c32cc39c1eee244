package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// developer is the local cluster's token user (context berth-local-developer).
const developer = "dev@example.com"

// grantDeveloper gives the developer what deploy/rbac would, for one
// branch namespace only, plus full rights inside it and nothing but view
// in the baseline: read of namespaces, nodes, pods and workloads
// cluster-wide (berth's lists), namespace create (as deploy/rbac grants),
// patch and delete of namespace branch only.
// Everything is removed when the test ends.
func grantDeveloper(t *testing.T, c *k8s.Client, branch, baseline string) {
	t.Helper()
	ctx := context.Background()
	name := testcluster.UniqueName("berth-test-dev")
	read := []string{"get", "list", "watch"}
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces", "nodes", "pods"}, Verbs: read},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets", "daemonsets"}, Verbs: read},
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: read},
		{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"selfsubjectaccessreviews"}, Verbs: []string{"create"}},
		{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"create"}}, // up creates it first (exists here)
		{APIGroups: []string{""}, Resources: []string{"namespaces"}, ResourceNames: []string{branch}, Verbs: []string{"patch", "update", "delete"}},
	}}
	user := []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: developer}}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: user,
		RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name}}
	all := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "test-all", Namespace: branch},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}
	inBranch := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "test-dev", Namespace: branch}, Subjects: user,
		RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "test-all"}}
	view := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: baseline}, Subjects: user,
		RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"}}
	rbac := c.Typed.RbacV1()
	t.Cleanup(func() {
		_ = rbac.ClusterRoleBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
		_ = rbac.ClusterRoles().Delete(context.Background(), name, metav1.DeleteOptions{})
		_ = rbac.RoleBindings(baseline).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	if _, err := rbac.ClusterRoles().Create(ctx, cr, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.Roles(branch).Create(ctx, all, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.RoleBindings(branch).Create(ctx, inBranch, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.RoleBindings(baseline).Create(ctx, view, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestChangedModeAsDeveloper runs changed mode through the CLI as the
// RBAC developer user, who may only read the baseline: examples/shop is up
// as its baseline (branch main, by an admin); the developer's `berth up
// --changed` of a branch that changes the worker's command deploys the
// worker alone and borrows the rest — the API server would refuse any
// write to the baseline, and the resourceVersions of every object there
// stay the same through the branch's up and down. ls, status and -o json
// show what is deployed and what is borrowed.
func TestChangedModeAsDeveloper(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	project := testcluster.UniqueName("shop")
	dir := testcluster.ExampleRepo(t, "shop", "main", func(rel string, data []byte) []byte {
		if rel != envs.ConfigFile {
			return data
		}
		// The baseline's own RoleBinding grants nobody: the developer
		// gets view there and nothing more.
		return []byte(strings.Replace(string(data), "project: shop", "project: "+project+"\ndeveloperGroup: berth:nobody\nbaseline:\n  branch: main", 1))
	})
	baseline := envs.Namespace("dev", project, "main")
	branch := envs.Namespace("dev", project, "feature/queue")
	t.Cleanup(func() {
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), baseline, metav1.DeleteOptions{})
	})
	if code, out, errOut := berthAt(t, ctx, nil, "up", "--dir", dir, "--timeout", "3m"); code != exitOK {
		t.Fatalf("baseline up: exit %d\n%s\n%s", code, out, errOut)
	}

	// The branch's namespace, as an admin creates it for the developer.
	testcluster.CreateNamespace(t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: branch, Labels: map[string]string{
		meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: project, meta.LabelEnv: branch, meta.LabelBranch: envs.BranchSlug("feature/queue")}}})
	grantDeveloper(t, c, branch, baseline)
	dev, err := k8s.NewClient(k8s.Flags{Kubeconfig: testcluster.Kubeconfig(t), Context: "berth-local-developer"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Typed.CoreV1().ConfigMaps(baseline).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "probe"}}, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("the developer writing to the baseline: %v, want forbidden", err)
	}

	compose := filepath.Join(dir, "compose.yaml")
	data, err := os.ReadFile(compose)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), `["worker", "--queue", "default"]`, `["worker", "--queue", "payments"]`, 1)
	if edited == string(data) {
		t.Fatal("compose.yaml: the worker's command not found")
	}
	if err := os.WriteFile(compose, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	before := testcluster.SettledVersions(t, c, baseline)
	asDev := func(args ...string) (int, string, string) {
		return berthAt(t, ctx, nil, append([]string{"--context", "berth-local-developer"}, args...)...)
	}
	code, out, errOut := asDev("up", "-v", "--changed", "--branch", "feature/queue", "--dir", dir, "--timeout", "3m")
	if code != exitOK {
		t.Fatalf("changed up as the developer: exit %d\n%s\n%s", code, out, errOut)
	}
	// The borrowed services were not rendered: their sources are the
	// baseline's (meta.AnnotationSourcePrint).
	if !strings.Contains(errOut, "rendering the services whose sources differ from the baseline's") || !strings.Contains(errOut, "rendered=1 services=6") {
		t.Errorf("up did not leave the borrowed services out of its render:\n%s", errOut)
	}
	if !strings.Contains(out, "1 deployed here (worker: changed), 5 borrowed from "+baseline) {
		t.Errorf("up's baseline step does not say what it deploys and borrows:\n%s", out)
	}
	deps, err := c.Typed.AppsV1().Deployments(branch).List(ctx, metav1.ListOptions{})
	if err != nil || len(deps.Items) != 1 || deps.Items[0].Name != "worker" {
		t.Errorf("deployments of the branch: %v %d, want worker alone", err, len(deps.Items))
	}
	testcluster.AssertSameVersions(t, c, baseline, before, "the developer's changed up")

	// ls and status, as the developer: deployed vs borrowed, saved.
	code, out, _ = asDev("ls", "-o", "json", "--dir", dir)
	var rows []lsRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil || code != exitOK {
		t.Fatalf("ls -o json: exit %d %v\n%s", code, err, out)
	}
	var row *lsRow
	for i := range rows {
		if rows[i].Namespace == branch {
			row = &rows[i]
		}
	}
	if row == nil || row.Borrowed == nil || row.Borrowed.Baseline != baseline || !slices.Equal(row.Borrowed.Deployed, []string{"worker"}) ||
		!slices.Equal(row.Borrowed.Borrowed, []string{"cache", "db", "migrate", "seed", "web"}) || row.Borrowed.SavedPods != 3 || row.Borrowed.SavedObjects == 0 ||
		len(row.Borrowed.Unreachable) != 0 || row.Borrowed.SavedPerDay == nil {
		t.Errorf("ls -o json row of %s: %+v", branch, row)
	}
	code, out, _ = asDev("ls", "--dir", dir)
	if code != exitOK || !strings.Contains(out, "BASELINE") || !regexpLine(out, branch+`\s.*\s5 → `+baseline) {
		t.Errorf("ls table:\n%s", out)
	}
	t.Logf("ls:\n%s", out)
	code, out, _ = asDev("status", "feature/queue", "--dir", dir)
	t.Logf("status:\n%s", out)
	if code != exitOK || !strings.Contains(out, "Borrowing: deployed here: worker · borrowed 5 → "+baseline+" · saves ") {
		t.Errorf("status (exit %d):\n%s", code, out)
	}

	before = testcluster.SettledVersions(t, c, baseline)
	if code, out, errOut := asDev("down", "feature/queue", "--yes", "--wait", "--dir", dir); code != exitOK {
		t.Fatalf("down as the developer: exit %d\n%s\n%s", code, out, errOut)
	}
	testcluster.AssertSameVersions(t, c, baseline, before, "the developer's down")
}
