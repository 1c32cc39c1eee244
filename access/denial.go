package access

import (
	"errors"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The guards deploy/rbac/policies installs, by name (a test checks these
// against the manifests).
const (
	// PolicyNamespaces denies developers changing or deleting a namespace
	// berth does not manage.
	PolicyNamespaces = "berth-developers-own-namespaces-only"
	// PolicyRoleBindings denies developers RoleBindings outside berth's
	// namespaces.
	PolicyRoleBindings = "berth-developers-bind-in-berth-namespaces"
)

var (
	policyKind        = schema.GroupKind{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicy"}
	policyBindingKind = schema.GroupKind{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicyBinding"}
	priorityLevelKind = schema.GroupKind{Group: "flowcontrol.apiserver.k8s.io", Kind: "PriorityLevelConfiguration"}
	flowSchemaKind    = schema.GroupKind{Group: "flowcontrol.apiserver.k8s.io", Kind: "FlowSchema"}
)

// Answer is how the API server answered a dry-run request a guard should
// deny.
type Answer int

const (
	// Allowed: nothing denied the request.
	Allowed Answer = iota
	// DeniedByPolicy: one of the named admission policies denied it.
	DeniedByPolicy
	// DeniedByRBAC: the user lacks the rights (authorization, or RBAC's
	// escalation check); admission never ran.
	DeniedByRBAC
	// DeniedOtherwise: another admission check denied it.
	DeniedOtherwise
	// Failed: no answer (not found, unreachable, ...).
	Failed
)

// classify reads the error of a dry-run request: which of these denied it,
// if any. The API server names a denying ValidatingAdmissionPolicy in the
// message ("ValidatingAdmissionPolicy 'name' with binding ... denied
// request"), RBAC says what the user "cannot" do or that it "is attempting
// to grant RBAC permissions not currently held".
func classify(err error, policies ...string) Answer {
	if err == nil {
		return Allowed
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return Failed
	}
	msg := err.Error()
	for _, p := range policies {
		if strings.Contains(msg, "ValidatingAdmissionPolicy '"+p+"'") {
			return DeniedByPolicy
		}
	}
	switch {
	case !apierrors.IsForbidden(err):
		return Failed
	case strings.Contains(msg, " cannot "), strings.Contains(msg, "attempting to grant RBAC permissions not currently held"):
		return DeniedByRBAC
	}
	return DeniedOtherwise
}
