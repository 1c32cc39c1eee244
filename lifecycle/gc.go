package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// ActionKind is what gc does to an environment.
type ActionKind string

// Actions of gc.
const (
	ActionDelete ActionKind = "delete" // expires-at is past
	ActionSleep  ActionKind = "sleep"  // no deploy for longer than idleSleep
	ActionSkip   ActionKind = "skip"   // left alone because its annotations are unreadable
)

// Action is one thing gc did (or, in a dry run, would do) to an environment.
type Action struct {
	Kind      ActionKind `json:"action"`
	Namespace string     `json:"namespace"`
	Project   string     `json:"project"`
	Branch    string     `json:"branch,omitempty"`
	Owner     string     `json:"owner,omitempty"`
	Reason    string     `json:"reason"`
	DryRun    bool       `json:"dryRun,omitempty"`
	Err       string     `json:"error,omitempty"` // why the action failed; "" when it succeeded
	// SavesPerDay is what the action saves a day in USD (berth.yaml
	// pricing): a sleep the env's compute, a delete all it costs. Set by
	// `berth gc --dry-run`.
	SavesPerDay *float64 `json:"savesPerDay,omitempty"`
}

// GC deletes the environments whose meta.AnnotationExpiresAt is at or before now
// and puts to sleep those whose last deploy is older than cfg.IdleSleep (0:
// never). It considers only namespaces berth owns, of cfg.Project, or of
// every project when cfg.Project is "". With dryRun nothing changes and the
// actions say what would happen. Actions are in namespace order; one failing
// action does not stop the others, and the error joins all failures.
func GC(ctx context.Context, c *k8s.Client, cfg envs.Config, now time.Time, dryRun bool) ([]Action, error) {
	nss, err := c.Typed.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: Selector(cfg.Project)})
	if err != nil {
		return nil, fmt.Errorf("list environments: %w", err)
	}
	items := nss.Items
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	var actions []Action
	var errs []error
	for i := range items {
		ns := &items[i]
		a, ok := gcPlan(ns, cfg, now)
		if !ok {
			continue
		}
		a.DryRun = dryRun
		if !dryRun {
			if err := gcDo(ctx, c, ns, a.Kind); err != nil {
				a.Err = err.Error()
				errs = append(errs, fmt.Errorf("%s %s: %w", a.Kind, ns.Name, err))
			}
		}
		actions = append(actions, a)
	}
	return actions, errors.Join(errs...)
}

// gcPlan decides what gc does to one namespace, if anything.
func gcPlan(ns *corev1.Namespace, cfg envs.Config, now time.Time) (Action, bool) {
	a := Action{
		Namespace: ns.Name,
		Project:   ns.Labels[meta.LabelProject],
		Branch:    ns.Annotations[meta.AnnotationBranch],
		Owner:     ns.Annotations[meta.AnnotationOwner],
	}
	if ns.DeletionTimestamp != nil || envs.CheckOwned("namespace "+ns.Name, ns.Labels, a.Project) != nil ||
		(cfg.Project != "" && a.Project != cfg.Project) {
		return a, false
	}
	if raw, ok := ns.Annotations[meta.AnnotationExpiresAt]; ok {
		exp, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			a.Kind, a.Reason = ActionSkip, fmt.Sprintf("unreadable %s %q", meta.AnnotationExpiresAt, raw)
			return a, true
		}
		if !now.Before(exp) {
			a.Kind, a.Reason = ActionDelete, fmt.Sprintf("expired %s ago (%s)", roundAge(now.Sub(exp)), exp.UTC().Format(time.RFC3339))
			return a, true
		}
	}
	if cfg.IdleSleep <= 0 || ns.Annotations[meta.AnnotationSleeping] == "true" {
		return a, false
	}
	raw, ok := ns.Annotations[meta.AnnotationLastDeploy]
	if !ok {
		return a, false
	}
	last, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		a.Kind, a.Reason = ActionSkip, fmt.Sprintf("unreadable %s %q", meta.AnnotationLastDeploy, raw)
		return a, true
	}
	if idle := now.Sub(last); idle >= time.Duration(cfg.IdleSleep) {
		a.Kind, a.Reason = ActionSleep, fmt.Sprintf("no deploy for %s (idle sleep after %s)", roundAge(idle), cfg.IdleSleep)
		return a, true
	}
	return a, false
}

// gcDo carries out a delete or sleep; the ownership check is repeated.
func gcDo(ctx context.Context, c *k8s.Client, ns *corev1.Namespace, kind ActionKind) error {
	project := ns.Labels[meta.LabelProject]
	switch kind {
	case ActionDelete:
		uid := ns.UID
		err := c.Typed.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	case ActionSleep:
		_, err := Sleep(ctx, c, ns.Name, project)
		return err
	}
	return nil
}

// roundAge shortens a duration for messages: 3d4h, 5h12m, 40s.
func roundAge(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		days := d / (24 * time.Hour)
		return fmt.Sprintf("%dd%dh", days, (d-days*24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%dm", d/time.Hour, (d%time.Hour)/time.Minute)
	default:
		return d.Truncate(time.Second).String()
	}
}
