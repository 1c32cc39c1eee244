package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
	"github.com/berth-dev/berth/meta"
)

// ProbeNamespacePrefix starts the name of the namespace Install creates
// to prove the policies active, and deletes again (a random suffix lets
// installs run at once). It is not berth-managed, so the policies must
// deny the probe user changing it; ProbeSelector finds it.
const ProbeNamespacePrefix = "berth-rbac-probe-"

// ProbeSelector selects the probe namespaces: one left by an interrupted
// install can be found and deleted by it.
const ProbeSelector = labelComponent + "=" + probeComponent

const (
	labelComponent = "app.kubernetes.io/component"
	probeComponent = "rbac-probe"
)

// probeUser is the user Install impersonates, in the developers' group.
// Inside the probe namespace only, a Role of the same name lets it delete
// that namespace and create RoleBindings: RBAC allows the dry-runs, so
// only the policies can deny them.
const probeUser = "berth-rbac-probe"

// probe proves the policies active by dry-runs as probeUser.
type probe struct {
	namespace string // the probe namespace
	as        kube.Interface
	policies  []string
}

// newProbe creates, as admin, a probe namespace, its Role and RoleBinding,
// and a client impersonating probeUser in group. cleanup deletes the
// namespace.
func newProbe(ctx context.Context, admin *k8s.Client, group string, policies []string) (*probe, func(), error) {
	labels := map[string]string{meta.LabelName: "berth", labelComponent: probeComponent}
	ns, err := admin.Typed.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: ProbeNamespacePrefix, Labels: labels}}, metav1.CreateOptions{})
	if err != nil {
		return nil, func() {}, fmt.Errorf("create a namespace %s...: %w", ProbeNamespacePrefix, err)
	}
	p := &probe{namespace: ns.Name, policies: policies}
	cleanup := func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = admin.Typed.CoreV1().Namespaces().Delete(dctx, p.namespace, metav1.DeleteOptions{})
	}
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: probeUser, Namespace: p.namespace, Labels: labels},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"delete"}},
			{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"rolebindings"}, Verbs: []string{"create"}},
		},
	}
	if _, err := admin.Typed.RbacV1().Roles(p.namespace).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		return nil, cleanup, fmt.Errorf("create Role %s/%s: %w", p.namespace, probeUser, err)
	}
	b := p.binding(probeUser)
	b.Labels = labels
	if _, err := admin.Typed.RbacV1().RoleBindings(p.namespace).Create(ctx, b, metav1.CreateOptions{}); err != nil {
		return nil, cleanup, fmt.Errorf("create RoleBinding %s/%s: %w", p.namespace, probeUser, err)
	}
	cfg := rest.CopyConfig(admin.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: probeUser, Groups: []string{group}}
	if p.as, err = kube.NewForConfig(cfg); err != nil {
		return nil, cleanup, fmt.Errorf("impersonate %s: %w", probeUser, err)
	}
	return p, cleanup, nil
}

// binding grants probeUser the probe Role in the probe namespace; the
// probe also dry-run creates one as probeUser.
func (p *probe) binding(name string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: p.namespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: probeUser},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: probeUser}},
	}
}

// round dry-runs, as probeUser, deleting the probe namespace and creating a
// RoleBinding in it. It returns nil when a policy denied both, else what
// the API server answered instead.
func (p *probe) round(ctx context.Context) error {
	dry := []string{metav1.DryRunAll}
	del := p.as.CoreV1().Namespaces().Delete(ctx, p.namespace, metav1.DeleteOptions{DryRun: dry})
	_, bind := p.as.RbacV1().RoleBindings(p.namespace).Create(ctx, p.binding(probeUser+"-dry-run"), metav1.CreateOptions{DryRun: dry})
	var errs []error
	for _, r := range []struct {
		what string
		err  error
	}{{"delete namespace " + p.namespace, del}, {"create RoleBinding in " + p.namespace, bind}} {
		if r.err != nil && strings.Contains(r.err.Error(), "cannot impersonate") {
			return &impersonateError{err: r.err}
		}
		switch classify(r.err, p.policies...) {
		case DeniedByPolicy:
		case Allowed:
			errs = append(errs, fmt.Errorf("%s: allowed", r.what))
		default:
			errs = append(errs, fmt.Errorf("%s: %w", r.what, r.err))
		}
	}
	return errors.Join(errs...)
}

// impersonateError: the installer may not impersonate the probe user.
type impersonateError struct{ err error }

func (e *impersonateError) Error() string {
	return fmt.Sprintf("proving the policies active needs impersonating a user in the developers' group (as cluster-admin may): %v", e.err)
}

func (e *impersonateError) Unwrap() error { return e.err }
