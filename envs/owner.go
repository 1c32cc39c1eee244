package envs

import (
	"fmt"

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
