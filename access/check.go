package access

import (
	"context"
	"fmt"
	"slices"

	authenticationv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// GuardState is what Check found of one guard.
type GuardState string

const (
	// GuardOK: berth's admission policy denied the request.
	GuardOK GuardState = "ok"
	// GuardInactive: the request was allowed; nothing guards it.
	GuardInactive GuardState = "guard inactive"
	// GuardNotApplicable: the user may not do this anyway (RBAC, or
	// another admission check, denied it first), or is not in the
	// developers' group, to whom the policies apply.
	GuardNotApplicable GuardState = "not applicable"
)

// Guard is the outcome of one guard's dry-run.
type Guard struct {
	Name    string     `json:"guard"`  // namespaces or rolebindings
	Policy  string     `json:"policy"` // the ValidatingAdmissionPolicy that should deny
	Probe   string     `json:"probe"`  // the dry-run request, in words
	State   GuardState `json:"state"`
	Answer  string     `json:"answer"`  // who answered, in words
	Message string     `json:"message"` // the API server's answer; "" when allowed
}

// Grant is one right berth needs outside the environments, and whether
// the user has it.
type Grant struct {
	Name    string `json:"grant"` // "create namespaces"
	For     string `json:"for"`   // what berth does with it
	Allowed bool   `json:"allowed"`
}

// Report is what Check found.
type Report struct {
	User           string   `json:"user,omitempty"` // "" when the cluster does not say
	Groups         []string `json:"groups,omitempty"`
	DeveloperGroup string   `json:"developerGroup"`
	Namespace      string   `json:"namespace"` // the non-berth namespace probed
	Guards         []Guard  `json:"guards"`
	Grants         []Grant  `json:"grants"`
	Priority       Priority `json:"priority"`
}

// Inactive lists the guards found inactive.
func (r Report) Inactive() []Guard {
	var out []Guard
	for _, g := range r.Guards {
		if g.State == GuardInactive {
			out = append(out, g)
		}
	}
	return out
}

// Missing lists the grants the user lacks.
func (r Report) Missing() []Grant {
	var out []Grant
	for _, g := range r.Grants {
		if !g.Allowed {
			out = append(out, g)
		}
	}
	return out
}

// CheckOptions configure Check.
type CheckOptions struct {
	// Group is the developers' group; default envs.DefaultDeveloperGroup.
	Group string
	// Namespace is the namespace berth does not manage to probe; default
	// one found by ProbeTarget.
	Namespace string
}

// Check reports, as the user of c, whether each of deploy/rbac's guards
// denies what it guards: a dry-run delete of a namespace berth does not
// manage, a dry-run create of a RoleBinding to the env role in it
// (admission runs on dry-runs, nothing changes); and which grants berth
// needs the user lacks (SelfSubjectAccessReviews); and whether the user's
// reads get the developers' priority level (checkPriority).
func Check(ctx context.Context, c *k8s.Client, o CheckOptions) (Report, error) {
	if o.Group == "" {
		o.Group = envs.DefaultDeveloperGroup
	}
	r := Report{DeveloperGroup: o.Group, Namespace: o.Namespace}
	if r.Namespace == "" {
		ns, err := ProbeTarget(ctx, c)
		if err != nil {
			return r, err
		}
		r.Namespace = ns
	} else if err := checkTarget(ctx, c, r.Namespace); err != nil {
		return r, err
	}
	member := true // unknown: let the dry-runs tell
	if ssr, err := c.Typed.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{}); err == nil {
		r.User, r.Groups = ssr.Status.UserInfo.Username, ssr.Status.UserInfo.Groups
		member = slices.Contains(r.Groups, o.Group)
	}
	dry := []string{metav1.DryRunAll}
	probes := []struct {
		guard, policy, probe string
		run                  func() error
	}{
		{"namespaces", PolicyNamespaces, "delete namespace " + r.Namespace, func() error {
			return c.Typed.CoreV1().Namespaces().Delete(ctx, r.Namespace, metav1.DeleteOptions{DryRun: dry})
		}},
		{"rolebindings", PolicyRoleBindings, "create RoleBinding " + envs.DeveloperBindingName + " in " + r.Namespace, func() error {
			b := &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: envs.DeveloperBindingName, Namespace: r.Namespace},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: envs.DeveloperEnvRole},
				Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: o.Group}},
			}
			_, err := c.Typed.RbacV1().RoleBindings(r.Namespace).Create(ctx, b, metav1.CreateOptions{DryRun: dry})
			return err
		}},
	}
	for _, p := range probes {
		g := Guard{Name: p.guard, Policy: p.policy, Probe: p.probe + " (dry run)"}
		if !member {
			g.State, g.Answer = GuardNotApplicable, "not asked: not in group "+o.Group+" (the policies apply to its members)"
			r.Guards = append(r.Guards, g)
			continue
		}
		err := p.run()
		if err != nil {
			g.Message = err.Error()
		}
		switch classify(err, p.policy) {
		case Allowed:
			g.State, g.Answer = GuardInactive, "allowed"
		case DeniedByPolicy:
			g.State, g.Answer = GuardOK, "denied by "+p.policy
		case DeniedByRBAC:
			g.State, g.Answer = GuardNotApplicable, "denied by RBAC"
		case DeniedOtherwise:
			g.State, g.Answer = GuardNotApplicable, "denied by another admission check"
		default:
			return r, fmt.Errorf("guard %s: %s: %w", p.guard, p.probe, err)
		}
		r.Guards = append(r.Guards, g)
	}
	grants, err := checkGrants(ctx, c)
	if err != nil {
		return r, err
	}
	r.Grants = grants
	if r.Priority, err = checkPriority(ctx, c); err != nil {
		return r, err
	}
	return r, nil
}

// immortal namespaces: the API server refuses to delete them before any
// policy is asked, so they cannot probe a guard.
var immortal = []string{"default", "kube-system", "kube-public"}

// ProbeTarget picks the namespace Check probes: kube-node-lease when it
// is there and not berth's (or when the user may not list namespaces),
// else the first that berth does not manage and the API server would let
// be deleted.
func ProbeTarget(ctx context.Context, c *k8s.Client) (string, error) {
	const preferred = "kube-node-lease"
	l, err := c.Typed.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: meta.LabelManagedBy + "!=" + meta.ManagedByBerth})
	if apierrors.IsForbidden(err) {
		return preferred, nil
	}
	if err != nil {
		return "", fmt.Errorf("list namespaces to probe: %w", err)
	}
	var first string
	for _, ns := range l.Items {
		if ns.DeletionTimestamp != nil || slices.Contains(immortal, ns.Name) {
			continue
		}
		if ns.Name == preferred {
			return preferred, nil
		}
		if first == "" {
			first = ns.Name
		}
	}
	if first == "" {
		return "", fmt.Errorf("no namespace berth does not manage to probe (besides %v, which no one may delete); create one", immortal)
	}
	return first, nil
}

// ValidateTarget refuses, by its name alone, a namespace that cannot
// probe the guards.
func ValidateTarget(name string) error {
	if slices.Contains(immortal, name) {
		return fmt.Errorf("namespace %s cannot probe the guards: the API server refuses to delete it whatever the policies say; name another", name)
	}
	return nil
}

// checkTarget refuses a namespace that cannot probe the guards.
func checkTarget(ctx context.Context, c *k8s.Client, name string) error {
	if err := ValidateTarget(name); err != nil {
		return err
	}
	ns, err := c.Typed.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsForbidden(err):
		return nil // the dry-runs will say
	case apierrors.IsNotFound(err):
		return fmt.Errorf("namespace %s not found", name)
	case err != nil:
		return fmt.Errorf("get namespace %s: %w", name, err)
	case ns.Labels[meta.LabelManagedBy] == meta.ManagedByBerth:
		return fmt.Errorf("namespace %s is managed by berth: the guards allow changing it; name one that is not", name)
	}
	return nil
}
