package envs

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// NotOwnedError is returned for a namespace or object berth must not
// change: it lacks berth's ownership labels or belongs to another project.
type NotOwnedError struct {
	What   string // e.g. "namespace dev-shop-main"
	Reason string
}

func (e *NotOwnedError) Error() string {
	return fmt.Sprintf("%s is not owned by berth: %s; berth leaves it unchanged", e.What, e.Reason)
}

// CheckOwned returns nil if an object with these labels belongs to berth's
// project: meta.LabelManagedBy is meta.ManagedByBerth and meta.LabelProject is project.
// Otherwise it returns a *NotOwnedError saying what is missing; what names
// the object, e.g. "namespace dev-shop-main".
func CheckOwned(what string, labels map[string]string, project string) error {
	switch got := labels[meta.LabelManagedBy]; {
	case got == "":
		return &NotOwnedError{What: what, Reason: fmt.Sprintf("no label %s=%s", meta.LabelManagedBy, meta.ManagedByBerth)}
	case got != meta.ManagedByBerth:
		return &NotOwnedError{What: what, Reason: fmt.Sprintf("label %s is %q", meta.LabelManagedBy, got)}
	}
	if got := labels[meta.LabelProject]; got != project {
		return &NotOwnedError{What: what, Reason: fmt.Sprintf("label %s is %q, not %q", meta.LabelProject, got, project)}
	}
	return nil
}

// checkNamespace refuses a missing, foreign or terminating namespace.
func checkNamespace(ctx context.Context, c *k8s.Client, namespace, project string) error {
	ns, err := OwnedNamespace(ctx, c, namespace, project)
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp != nil {
		return fmt.Errorf("namespace %s is being deleted", namespace)
	}
	return nil
}

// OwnedNamespace is the ownership gate every destructive path goes
// through: it reads the env's namespace and refuses one that is missing (an
// error for which apierrors.IsNotFound is true) or that berth's project does
// not own (a *NotOwnedError).
func OwnedNamespace(ctx context.Context, c *k8s.Client, namespace, project string) (*corev1.Namespace, error) {
	ns, err := c.Typed.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("environment %s: no such namespace: %w", namespace, err)
		}
		return nil, fmt.Errorf("get namespace %s: %w", namespace, err)
	}
	if err := CheckOwned("namespace "+namespace, ns.Labels, project); err != nil {
		return nil, err
	}
	return ns, nil
}
