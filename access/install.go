package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/k8s"
)

// InstallOptions configure Install.
type InstallOptions struct {
	Manifests *Manifests
	// Timeout bounds the wait for the policies to become active; default 2m.
	Timeout time.Duration
	// Denials is how many probe rounds in a row the policies must deny
	// before they count as active (an API server behind a load balancer
	// answers from several caches); default 5.
	Denials int
	// Interval is the pause between probe rounds; default 100ms.
	Interval time.Duration
	// Progress, when set, receives what Install does.
	Progress func(Event)
}

// Event is one thing Install did.
type Event struct {
	Step    string `json:"step"` // "policies", "active", "priority" or "grants"
	Object  string `json:"object,omitempty"`
	Message string `json:"message,omitempty"`
}

// Install applies m as the caller (a cluster admin) in an order that never
// leaves a developer's grant unguarded: first the admission policies and
// their bindings; then it waits until they deny, several rounds in a row,
// the dry-runs of a user impersonated in the developers' group (see
// probe); then the developers' priority level and its FlowSchema (in
// that order); only then the ClusterRoles and the ClusterRoleBinding. When the
// policies do not become active within the timeout, nothing is granted
// and the error says what the API server answered instead.
func Install(ctx context.Context, c *k8s.Client, o InstallOptions) error {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Denials <= 0 {
		o.Denials = 5
	}
	if o.Interval <= 0 {
		o.Interval = 100 * time.Millisecond
	}
	emit := func(e Event) {
		if o.Progress != nil {
			o.Progress(e)
		}
	}
	m := o.Manifests
	if err := applyAll(ctx, c, m.Policies, "policies", emit); err != nil {
		return err
	}
	start := time.Now()
	if err := awaitActive(ctx, c, m, o); err != nil {
		return err
	}
	emit(Event{Step: "active", Message: fmt.Sprintf("the policies denied %d probe rounds in a row as a member of %s (%s)",
		o.Denials, m.Group, time.Since(start).Round(time.Millisecond))})
	if err := applyAll(ctx, c, m.Priority, "priority", emit); err != nil {
		return err
	}
	return applyAll(ctx, c, m.Grants, "grants", emit)
}

func applyAll(ctx context.Context, c *k8s.Client, objs []*unstructured.Unstructured, step string, emit func(Event)) error {
	for _, obj := range objs {
		if _, err := c.Apply(ctx, obj); err != nil {
			return err
		}
		emit(Event{Step: step, Object: obj.GetKind() + "/" + obj.GetName()})
	}
	return nil
}

// awaitActive probes until the policies of m deny o.Denials rounds in a
// row, or the timeout.
func awaitActive(ctx context.Context, c *k8s.Client, m *Manifests, o InstallOptions) error {
	actx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	p, cleanup, err := newProbe(actx, c, m.Group, m.PolicyNames())
	defer cleanup()
	if err != nil {
		return err
	}
	inRow := 0
	var last error
	for {
		err := p.round(actx)
		var ie *impersonateError
		switch {
		case errors.As(err, &ie):
			return err
		case err == nil:
			inRow++
			if inRow >= o.Denials {
				return nil
			}
		case actx.Err() == nil: // a round cut by the deadline says nothing
			inRow, last = 0, err
		}
		select {
		case <-actx.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if last == nil {
				last = errors.New("no answer")
			}
			return fmt.Errorf("the admission policies did not become active within %s, so no grant was applied; last answer as %s in group %s: %w",
				o.Timeout, probeUser, m.Group, last)
		case <-time.After(o.Interval):
		}
	}
}
