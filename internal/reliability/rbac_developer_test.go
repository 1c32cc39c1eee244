package reliability

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/access"
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

// applyRBAC installs deploy/rbac as admin (as `berth rbac install` does:
// the policies, active, before the grants).
func applyRBAC(ctx context.Context, t testing.TB, c *k8s.Client) {
	t.Helper()
	m, err := access.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if err := access.Install(ctx, c, access.InstallOptions{Manifests: m}); err != nil {
		t.Fatalf("install deploy/rbac: %v", err)
	}
}

// TestDeveloperRBAC installs deploy/rbac with `berth rbac install` as
// admin, then acts as the token user in berth:developers. Right after
// install returns, the API server's admission policies deny what RBAC
// would allow a developer in a team's namespace (deleting it, binding
// roles in it); the developer cannot read pods, workloads, secrets or
// events outside berth's namespaces; `berth rbac check` reports each guard
// and tells an inactive one (exit 4). Not parallel: it starts from a
// cluster without deploy/rbac's bindings and deletes a policy binding,
// which the parallel tests (installing deploy/rbac themselves) must not
// see.
func TestDeveloperRBAC(t *testing.T) {
	p, admin := private(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dev, err := k8s.NewClient(k8s.Flags{Kubeconfig: p.Kubeconfig(), Context: developerContext})
	if err != nil {
		t.Fatal(err)
	}
	dry := []string{metav1.DryRunAll}
	uninstallRBAC(ctx, t, admin)

	// Without deploy/rbac the developer may do nothing.
	poll(t, time.Minute, "the developer may not create a namespace without deploy/rbac", func(ctx context.Context) (bool, error) {
		_, err := dev.Typed.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testcluster.UniqueName("dev-try")}}, metav1.CreateOptions{DryRun: dry})
		return apierrors.IsForbidden(err), nil
	})
	dir := t.TempDir()
	rep, r := rbacCheck(ctx, t, dir)
	if r.code != 5 || len(rep.Missing()) != len(rep.Grants) || guardState(rep, "namespaces") != access.GuardNotApplicable || guardState(rep, "rolebindings") != access.GuardNotApplicable {
		t.Errorf("berth rbac check as the developer without deploy/rbac: exit %d, want 5 with every grant missing, guards not applicable: %+v\n%s", r.code, rep, r.stderr)
	}
	if rep.Priority.State != access.PriorityUnknown {
		t.Errorf("priority as the developer without deploy/rbac: %+v, want %s (may not read the FlowSchema)", rep.Priority, access.PriorityUnknown)
	}

	// A team's namespace in which the developers' group was given rights of
	// its own (change or delete the namespace, bind roles): only the
	// admission policies stop them there. It holds a Deployment with a
	// credential inline and a Secret.
	foreign := testcluster.UniqueName("team-payments")
	if _, err := admin.Typed.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: foreign, Labels: map[string]string{"team": "payments"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deleteNamespace(t, admin, foreign)
	teamGrant(ctx, t, admin, foreign)
	paymentsApp(ctx, t, admin, foreign)
	// The window berth rbac install closes: RBAC alone allows it.
	poll(t, time.Minute, "the team's grant lets the developer delete "+foreign+" (dry run)", func(ctx context.Context) (bool, error) {
		return dev.Typed.CoreV1().Namespaces().Delete(ctx, foreign, metav1.DeleteOptions{DryRun: dry}) == nil, nil
	})

	if r := berth(ctx, dir, "rbac", "install"); r.code != 0 {
		t.Fatalf("berth rbac install: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	} else {
		t.Logf("berth rbac install:\n%s", r.stdout)
	}
	// No poll: install returned once the policies were active.
	err = dev.Typed.CoreV1().Namespaces().Delete(ctx, foreign, metav1.DeleteOptions{DryRun: dry})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "ValidatingAdmissionPolicy '"+access.PolicyNamespaces+"'") {
		t.Fatalf("developer deleting %s right after install (dry run): %v, want the policy's denial", foreign, err)
	}
	err = dev.Typed.CoreV1().Namespaces().Delete(ctx, foreign, metav1.DeleteOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), vapMessage) {
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
	probes, err := admin.Typed.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: access.ProbeSelector})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range probes.Items {
		if n.DeletionTimestamp == nil {
			t.Errorf("install left its probe namespace %s behind", n.Name)
		}
	}

	// Least privilege: nothing outside berth's namespaces is readable.
	readsForbidden(ctx, t, dev, foreign)
	readsForbidden(ctx, t, dev, "kube-system")
	if _, err := dev.Typed.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("developer listing pods cluster-wide: %v, want forbidden", err)
	}

	guardChecks(ctx, t, admin, dir, foreign)
}

// uninstallRBAC deletes deploy/rbac's bindings (the grant's and the
// policies'), so the test starts from a cluster without them.
func uninstallRBAC(ctx context.Context, t *testing.T, admin *k8s.Client) {
	t.Helper()
	err := admin.Typed.RbacV1().ClusterRoleBindings().Delete(ctx, "berth-developer", metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	for _, name := range []string{access.PolicyNamespaces, access.PolicyRoleBindings} {
		err := testcluster.Clientset(t, admin).AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
}

// TestDeveloperEnvRBAC: with deploy/rbac installed, the developer's own
// environment works from up to down — status, sleep and wake too —
// through the RoleBinding up creates, under the narrow grant.
func TestDeveloperEnvRBAC(t *testing.T) {
	t.Parallel()
	_, admin := private(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	applyRBAC(ctx, t, admin)
	foreign := testcluster.UniqueName("team-orders")
	if _, err := admin.Typed.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: foreign}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deleteNamespace(t, admin, foreign)
	developerEnv(ctx, t, admin, foreign)
}

// teamGrant gives the developers' group, in ns only, what a team might
// give its developers: change or delete the namespace, bind roles in it.
func teamGrant(ctx context.Context, t *testing.T, admin *k8s.Client, ns string) {
	t.Helper()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "team-admin", Namespace: ns}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "patch", "update", "delete"}},
		{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"rolebindings"}, Verbs: []string{"create"}},
	}}
	if _, err := admin.Typed.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "team-admin", Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "team-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: envs.DefaultDeveloperGroup}},
	}
	if _, err := admin.Typed.RbacV1().RoleBindings(ns).Create(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// paymentsApp creates, as admin, the example in ns: a Deployment
// with a credential inline, and a Secret.
func paymentsApp(ctx context.Context, t *testing.T, admin *k8s.Client, ns string) {
	t.Helper()
	labels := map[string]string{"app": "pay"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "pay", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "pay", Image: "pay:1",
					Env: []corev1.EnvVar{{Name: "STRIPE_SECRET", Value: "sk_live_123"}}}}},
			},
		},
	}
	if _, err := admin.Typed.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pay", Namespace: ns}, StringData: map[string]string{"key": "sk_live_123"}}
	if _, err := admin.Typed.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// readsForbidden asserts the developer may neither list nor get pods,
// deployments, secrets or events in ns.
func readsForbidden(ctx context.Context, t *testing.T, dev *k8s.Client, ns string) {
	t.Helper()
	get := metav1.GetOptions{}
	list := metav1.ListOptions{}
	for what, err := range map[string]error{
		"list pods":        second(dev.Typed.CoreV1().Pods(ns).List(ctx, list)),
		"list deployments": second(dev.Typed.AppsV1().Deployments(ns).List(ctx, list)),
		"get deployment":   second(dev.Typed.AppsV1().Deployments(ns).Get(ctx, "pay", get)),
		"list secrets":     second(dev.Typed.CoreV1().Secrets(ns).List(ctx, list)),
		"get secret":       second(dev.Typed.CoreV1().Secrets(ns).Get(ctx, "pay", get)),
		"list events":      second(dev.Typed.CoreV1().Events(ns).List(ctx, list)),
		"list events.k8s":  second(testcluster.Clientset(t, dev).EventsV1().Events(ns).List(ctx, list)),
	} {
		if !apierrors.IsForbidden(err) {
			t.Errorf("developer %s in %s: %v, want forbidden", what, ns, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// rbacCheck runs `berth rbac check -o json` as the developer.
func rbacCheck(ctx context.Context, t *testing.T, dir string, args ...string) (access.Report, result) {
	t.Helper()
	r := berth(ctx, dir, append([]string{"--context", developerContext, "rbac", "check", "-o", "json"}, args...)...)
	var rep access.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("berth rbac check %v: exit %d, output not JSON: %v\n%s\n%s", args, r.code, err, r.stdout, r.stderr)
	}
	return rep, r
}

// guardState is the state check reported for guard.
func guardState(rep access.Report, guard string) access.GuardState {
	for _, g := range rep.Guards {
		if g.Name == guard {
			return g.State
		}
	}
	return ""
}

// guardChecks: `berth rbac check` as the developer reports each guard,
// tells an inactive one once its policy binding is deleted (exit 4), and
// "ok" again as soon as `berth rbac install` returns.
func guardChecks(ctx context.Context, t *testing.T, admin *k8s.Client, dir, foreign string) {
	rep, r := rbacCheck(ctx, t, dir, "-n", foreign)
	if r.code != 0 || guardState(rep, "namespaces") != access.GuardOK || guardState(rep, "rolebindings") != access.GuardOK || len(rep.Missing()) > 0 {
		t.Fatalf("berth rbac check -n %s as the developer: exit %d, %+v\n%s", foreign, r.code, rep, r.stderr)
	}
	if rep.User != "dev@example.com" {
		t.Errorf("check names user %q", rep.User)
	}
	// Outside the team's namespace, RBAC denies deleting a namespace first.
	rep, r = rbacCheck(ctx, t, dir)
	if r.code != 0 || guardState(rep, "namespaces") != access.GuardNotApplicable || guardState(rep, "rolebindings") != access.GuardOK {
		t.Fatalf("berth rbac check as the developer: exit %d, %+v\n%s", r.code, rep, r.stderr)
	}
	text := berth(ctx, dir, "--context", developerContext, "doctor")
	t.Logf("berth doctor as the developer:\n%s", text.stdout)
	if text.code != 0 || !strings.Contains(text.stdout, "rolebindings") || !strings.Contains(text.stdout, "denied by "+access.PolicyRoleBindings) {
		t.Errorf("berth doctor as the developer: exit %d\n%s\n%s", text.code, text.stdout, text.stderr)
	}

	if err := testcluster.Clientset(t, admin).AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Delete(ctx, access.PolicyNamespaces, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, time.Minute, "berth rbac check reports the namespace guard inactive", func(ctx context.Context) (bool, error) {
		rep, r = rbacCheck(ctx, t, dir, "-n", foreign)
		return guardState(rep, "namespaces") == access.GuardInactive, nil
	})
	if r.code != 4 || !strings.Contains(r.stderr, "guard inactive") {
		t.Errorf("berth rbac check with the guard inactive: exit %d, want 4\n%s", r.code, r.stderr)
	}
	if i := berth(ctx, dir, "rbac", "install"); i.code != 0 {
		t.Fatalf("berth rbac install again: exit %d\n%s\n%s", i.code, i.stdout, i.stderr)
	}
	rep, r = rbacCheck(ctx, t, dir, "-n", foreign)
	if r.code != 0 || guardState(rep, "namespaces") != access.GuardOK {
		t.Errorf("berth rbac check right after install: exit %d, %+v\n%s", r.code, rep, r.stderr)
	}
}

// developerEnv: the developer's own environment, up to down, through the
// RoleBinding up creates.
func developerEnv(ctx context.Context, t *testing.T, admin *k8s.Client, foreign string) {
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
	for _, verb := range []string{"sleep", "wake"} {
		if r := berth(ctx, dir, "--context", developerContext, verb); r.code != 0 {
			t.Errorf("berth %s as the developer: exit %d\n%s\n%s", verb, r.code, r.stdout, r.stderr)
		}
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
