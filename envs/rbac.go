package envs

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
