package envs

import (
	"context"
	"fmt"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
)

// RBAC of environments; deploy/rbac ships the ClusterRoles and the
// admission policy that go with it.
const (
	// DefaultDeveloperGroup is granted full rights inside every environment
	// when berth.yaml names no developerGroup.
	DefaultDeveloperGroup = "berth:developers"
	// DeveloperEnvRole is the ClusterRole the environment's RoleBinding
	// grants inside the namespace (deploy/rbac/clusterrole-env.yaml).
	DeveloperEnvRole = "berth-developer-env"
	// DeveloperBindingName names that RoleBinding.
	DeveloperBindingName = "berth-developers"
)

// bindingSettle bounds how long up waits for a new RoleBinding to take
// effect (the API server's RBAC cache) before applying the rest.
const bindingSettle = 10 * time.Second

// DeveloperBinding returns the RoleBinding that grants env's developer
// group the ClusterRole DeveloperEnvRole inside env's namespace only,
// labelled as berth's, ready for server-side apply.
func DeveloperBinding(env Env) *unstructured.Unstructured {
	group := env.DeveloperGroup
	if group == "" {
		group = DefaultDeveloperGroup
	}
	b := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1",
		"kind":       "RoleBinding",
		"metadata":   map[string]any{"name": DeveloperBindingName, "namespace": env.Namespace},
		"roleRef": map[string]any{
			"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": DeveloperEnvRole,
		},
		"subjects": []any{map[string]any{
			"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group,
		}},
	}}
	b.SetLabels(env.ObjectLabels())
	return b
}

// bindDevelopers applies the environment's DeveloperBinding right after
// its namespace, then waits (up to bindingSettle) until the caller may
// create workloads in the namespace, which for a developer comes from that
// very binding. A refused binding (the caller may not grant the role) is
// reported as skipped, not fatal: whoever runs up may have rights anyway.
func (u *upRun) bindDevelopers(ctx context.Context) error {
	b := DeveloperBinding(u.o.Env)
	name := "RoleBinding/" + b.GetName()
	if _, err := u.c.Apply(ctx, b); err != nil {
		if apierrors.IsForbidden(err) {
			u.emit(Event{Step: "namespace", Object: name, Phase: UpSkipped, Message: "not allowed to grant " + DeveloperEnvRole + "; continuing with the caller's own rights"})
			return nil
		}
		return fmt.Errorf("bind developers in %s: %w", u.ns, err)
	}
	u.emit(Event{Step: "namespace", Object: name, Phase: UpApplied})
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: u.ns, Verb: "create", Group: "apps", Resource: "deployments"},
	}}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, bindingSettle, true, func(ctx context.Context) (bool, error) {
		r, err := u.c.Typed.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err != nil {
			return false, nil // the apply below reports real trouble
		}
		return r.Status.Allowed, nil
	})
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil // not allowed yet: the applies say why
}
