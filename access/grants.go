package access

import (
	"context"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
)

// need is one grant of deploy/rbac's berth-developer ClusterRole.
type need struct {
	name, why string
	attrs     authorizationv1.ResourceAttributes
}

// needs are the grants berth uses outside the environments; everything
// inside one comes from the RoleBinding berth up makes there.
func needs() []need {
	return []need{
		{"list namespaces", "berth ls, gc and the TUI list the environments",
			authorizationv1.ResourceAttributes{Verb: "list", Resource: "namespaces"}},
		{"watch namespaces", "the TUI and berth up follow them",
			authorizationv1.ResourceAttributes{Verb: "watch", Resource: "namespaces"}},
		{"create namespaces", "berth up creates an environment's namespace",
			authorizationv1.ResourceAttributes{Verb: "create", Resource: "namespaces"}},
		{"create rolebindings", "berth up grants the developers' group in a new environment",
			authorizationv1.ResourceAttributes{Verb: "create", Group: rbacv1.GroupName, Resource: "rolebindings"}},
		{"bind clusterrole " + envs.DeveloperEnvRole, "the role that RoleBinding grants",
			authorizationv1.ResourceAttributes{Verb: "bind", Group: rbacv1.GroupName, Resource: "clusterroles", Name: envs.DeveloperEnvRole}},
		{"list nodes", "the views show spot or on-demand nodes",
			authorizationv1.ResourceAttributes{Verb: "list", Resource: "nodes"}},
	}
}

// checkGrants asks, one SelfSubjectAccessReview each, which needs the user
// has (cluster-wide: a new environment's namespace does not exist yet).
func checkGrants(ctx context.Context, c *k8s.Client) ([]Grant, error) {
	var out []Grant
	for _, n := range needs() {
		attrs := n.attrs
		review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &attrs}}
		res, err := c.Typed.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err != nil {
			return nil, fmt.Errorf("may I %s: %w", n.name, err)
		}
		out = append(out, Grant{Name: n.name, For: n.why, Allowed: res.Status.Allowed})
	}
	return out, nil
}
