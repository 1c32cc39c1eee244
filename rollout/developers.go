package rollout

import (
	"context"
	"fmt"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/envs"
)

// bindingSettle bounds how long up waits for a new RoleBinding to take
// effect (the API server's RBAC cache) before applying the rest.
const bindingSettle = 10 * time.Second

// bindDevelopers applies the environment's DeveloperBinding once its
// namespace exists and before the namespace is applied, then waits (up to
// bindingSettle) until the caller may create workloads in the namespace,
// which for a developer comes from that very binding (as does patching
// the Namespace object itself). A refused binding (the caller may not grant the role) is
// reported as skipped, not fatal: whoever runs up may have rights anyway.
func (u *upRun) bindDevelopers(ctx context.Context) error {
	b := envs.DeveloperBinding(u.o.Env)
	name := "RoleBinding/" + b.GetName()
	if _, err := u.c.Apply(ctx, b); err != nil {
		if apierrors.IsForbidden(err) {
			u.emit(Event{Step: "namespace", Object: name, Phase: UpSkipped, Message: "not allowed to grant " + envs.DeveloperEnvRole + "; continuing with the caller's own rights"})
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
