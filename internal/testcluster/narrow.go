package testcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/access"
	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
)

// NarrowGrant is the least-privilege developer grant of issue 20, made for
// one test or bench run under names of its own: cluster-wide, a developer
// may only list/watch/create namespaces, create/patch RoleBindings that
// bind the env role, read nodes and ask for self access reviews;
// everything else comes from the env role (EnvRole) bound in each env's
// namespace.
// Tests act as User in Group by impersonation.
type NarrowGrant struct {
	User, Group string
	// DeveloperRole is the cluster-wide ClusterRole (bound to Group).
	DeveloperRole string
	// PriorityGroup, when set, is one more group User is impersonated in:
	// deploy/rbac's developers' group, which its FlowSchema sends to the
	// developers' priority level (ApplyPriority). It grants nothing here
	// unless the cluster binds that group.
	PriorityGroup string
}

// groups are the groups User is impersonated in.
func (g NarrowGrant) groups() []string {
	if g.PriorityGroup != "" {
		return []string{g.Group, g.PriorityGroup}
	}
	return []string{g.Group}
}

// ApplyPriority applies deploy/rbac's API priority and fairness for
// developers — its PriorityLevelConfiguration, then its FlowSchema, as
// `berth rbac install` does (access.Manifests.Priority) — and returns the
// developers' group the FlowSchema matches, for PriorityGroup. Cluster-wide
// objects, left in place (as an install leaves them).
func ApplyPriority(ctx context.Context, admin *k8s.Client) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	m, err := access.BuildDir(filepath.Join(root, "deploy", "rbac"))
	if err != nil {
		return "", err
	}
	for _, obj := range m.Priority {
		if _, err := admin.Apply(ctx, obj); err != nil {
			return "", err
		}
	}
	return m.Group, nil
}

// EnvRole is the per-env ClusterRole: deploy/rbac's berth-developer-env,
// which `berth up` binds in each env. Create makes it (from
// deploy/rbac/clusterrole-env.yaml) when the cluster lacks it and Delete
// leaves it: it is the same for every grant and grants nothing unbound.
const EnvRole = envs.DeveloperEnvRole

// NewNarrowGrant names a grant after prefix, with a random suffix.
func NewNarrowGrant(prefix string) NarrowGrant {
	name := UniqueName(prefix)
	return NarrowGrant{User: name + "@example.com", Group: name + ":developers", DeveloperRole: name + "-developer"}
}

// developerRules are the grant's cluster-wide rules: those of deploy/rbac's
// berth-developer (clusterrole-developer.yaml), so the tests run under the
// grant berth ships.
func developerRules() ([]rbacv1.PolicyRule, error) {
	return roleRules("clusterrole-developer.yaml")
}

// envRules reads the env role's rules from deploy/rbac/clusterrole-env.yaml.
func envRules() ([]rbacv1.PolicyRule, error) {
	return roleRules("clusterrole-env.yaml")
}

// roleRules reads the rules of the ClusterRole in deploy/rbac/file.
func roleRules(file string) ([]rbacv1.PolicyRule, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(root, "deploy", "rbac", file))
	if err != nil {
		return nil, err
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(raw, &role); err != nil {
		return nil, fmt.Errorf("deploy/rbac/%s: %w", file, err)
	}
	return role.Rules, nil
}

// Create makes the developer ClusterRole, binds it to Group, and makes the
// EnvRole if missing.
func (g NarrowGrant) Create(ctx context.Context, admin kube.Interface) error {
	env, err := envRules()
	if err != nil {
		return err
	}
	dev, err := developerRules()
	if err != nil {
		return err
	}
	rbac := admin.RbacV1()
	for _, r := range []*rbacv1.ClusterRole{
		{ObjectMeta: metav1.ObjectMeta{Name: g.DeveloperRole}, Rules: dev},
		{ObjectMeta: metav1.ObjectMeta{Name: EnvRole}, Rules: env},
	} {
		if _, err := rbac.ClusterRoles().Create(ctx, r, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create ClusterRole %s: %w", r.Name, err)
		}
	}
	b := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: g.DeveloperRole},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: g.DeveloperRole},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: g.Group}},
	}
	if _, err := rbac.ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create ClusterRoleBinding %s: %w", b.Name, err)
	}
	return nil
}

// Delete removes what Create made, but the shared EnvRole.
func (g NarrowGrant) Delete(ctx context.Context, admin kube.Interface) error {
	rbac := admin.RbacV1()
	for _, err := range []error{
		rbac.ClusterRoleBindings().Delete(ctx, g.DeveloperRole, metav1.DeleteOptions{}),
		rbac.ClusterRoles().Delete(ctx, g.DeveloperRole, metav1.DeleteOptions{}),
	} {
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// BindEnv gives Group the env role in namespace ns, as `berth up` does
// with its developers' RoleBinding.
func (g NarrowGrant) BindEnv(ctx context.Context, admin kube.Interface, ns string) error {
	b := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: g.DeveloperRole, Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: EnvRole},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: g.Group}},
	}
	if _, err := admin.RbacV1().RoleBindings(ns).Create(ctx, b, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("bind %s in %s: %w", EnvRole, ns, err)
	}
	return nil
}

// Config is base acting as the grant's user (impersonation: base must be
// an admin's).
func (g NarrowGrant) Config(base *rest.Config) *rest.Config {
	cfg := rest.CopyConfig(base)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: g.User, Groups: g.groups()}
	return cfg
}

// WriteKubeconfig writes to out a copy of the kubeconfig at admin whose
// current context is the grant's user, for the real binary: `berth
// --kubeconfig out`. On a local cluster (its CA key beside admin) the user
// has a client certificate of its own, as a developer has credentials of
// their own; elsewhere the admin impersonates it.
func (g NarrowGrant) WriteKubeconfig(admin, out string) error {
	cfg, err := clientcmd.LoadFromFile(admin)
	if err != nil {
		return err
	}
	ctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok || cfg.AuthInfos[ctx.AuthInfo] == nil {
		return fmt.Errorf("%s: no user for the current context %q", admin, cfg.CurrentContext)
	}
	user := cfg.AuthInfos[ctx.AuthInfo].DeepCopy()
	user.Impersonate, user.ImpersonateGroups = g.User, g.groups()
	cert, key, ok, err := clientCert(admin, g.User, g.groups())
	if err != nil {
		return err
	}
	if ok {
		user = clientcmdapi.NewAuthInfo()
		user.ClientCertificateData, user.ClientKeyData = cert, key
	}
	cfg.AuthInfos[g.DeveloperRole] = user
	ctx = ctx.DeepCopy()
	ctx.AuthInfo = g.DeveloperRole
	cfg.Contexts[g.DeveloperRole] = ctx
	cfg.CurrentContext = g.DeveloperRole
	return clientcmd.WriteToFile(*cfg, out)
}

// Narrow creates a NarrowGrant for the test on admin's cluster, removed
// when the test ends, and returns it with a client acting as its user.
func Narrow(t testing.TB, admin *k8s.Client) (NarrowGrant, *k8s.Client) {
	t.Helper()
	g := NewNarrowGrant("dev")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Cleanup(func() {
		if err := g.Delete(context.Background(), admin.Typed); err != nil {
			t.Errorf("delete narrow grant: %v", err)
		}
	})
	if err := g.Create(ctx, admin.Typed); err != nil {
		t.Fatal(err)
	}
	c, err := k8s.NewClientForConfig(g.Config(admin.Config), nil)
	if err != nil {
		t.Fatal(err)
	}
	return g, c
}
