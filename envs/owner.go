package envs

import "fmt"

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
// project: LabelManagedBy is ManagedByBerth and LabelProject is project.
// Otherwise it returns a *NotOwnedError saying what is missing; what names
// the object, e.g. "namespace dev-shop-main".
func CheckOwned(what string, labels map[string]string, project string) error {
	switch got := labels[LabelManagedBy]; {
	case got == "":
		return &NotOwnedError{What: what, Reason: fmt.Sprintf("no label %s=%s", LabelManagedBy, ManagedByBerth)}
	case got != ManagedByBerth:
		return &NotOwnedError{What: what, Reason: fmt.Sprintf("label %s is %q", LabelManagedBy, got)}
	}
	if got := labels[LabelProject]; got != project {
		return &NotOwnedError{What: what, Reason: fmt.Sprintf("label %s is %q, not %q", LabelProject, got, project)}
	}
	return nil
}
