package access

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
)

// FlowSchema is deploy/rbac's FlowSchema (flowcontrol.yaml): it gives the
// developers' reads a priority level of their own.
const FlowSchema = "berth-developers"

// PriorityState is what Check found of the developers' priority level.
type PriorityState string

const (
	// PriorityOK: the user's reads are served through FlowSchema.
	PriorityOK PriorityState = "ok"
	// PriorityElsewhere: FlowSchema exists, but the user's reads match
	// another (an admin's exempt level; a user outside the group).
	PriorityElsewhere PriorityState = "elsewhere"
	// PriorityMissing: no FlowSchema; reads share global-default.
	PriorityMissing PriorityState = "missing"
	// PriorityUnknown: the user may not read the FlowSchema.
	PriorityUnknown PriorityState = "unknown"
)

// Priority is the outcome of the priority check.
type Priority struct {
	FlowSchema string        `json:"flowSchema"`
	State      PriorityState `json:"state"`
	Answer     string        `json:"answer"` // in words
}

// checkPriority reads FlowSchema and compares its UID with the one the
// API server names on the answer to one of the user's reads (the
// X-Kubernetes-PF-FlowSchema-UID header of a list of namespaces).
func checkPriority(ctx context.Context, c *k8s.Client) (Priority, error) {
	p := Priority{FlowSchema: FlowSchema}
	fs, err := c.Typed.FlowcontrolV1().FlowSchemas().Get(ctx, FlowSchema, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		p.State, p.Answer = PriorityMissing, "no FlowSchema "+FlowSchema+": reads share global-default (berth rbac install adds it)"
		return p, nil
	case apierrors.IsForbidden(err):
		p.State, p.Answer = PriorityUnknown, "may not read FlowSchema "+FlowSchema
		return p, nil
	case err != nil:
		return p, fmt.Errorf("get FlowSchema %s: %w", FlowSchema, err)
	}
	uid, err := servedBy(ctx, c.Config)
	if apierrors.IsForbidden(err) {
		p.State, p.Answer = PriorityUnknown, "may not list namespaces"
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if uid == string(fs.UID) {
		p.State, p.Answer = PriorityOK, "reads served in priority level "+fs.Spec.PriorityLevelConfiguration.Name
		return p, nil
	}
	p.State, p.Answer = PriorityElsewhere, "reads matched another FlowSchema (uid "+uid+")"
	return p, nil
}

// servedBy lists one namespace as cfg's user and returns the UID of the
// FlowSchema the API server served it through.
func servedBy(ctx context.Context, cfg *rest.Config) (string, error) {
	var mu sync.Mutex
	uid := ""
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(r)
			if err == nil {
				mu.Lock()
				uid = resp.Header.Get("X-Kubernetes-PF-FlowSchema-UID")
				mu.Unlock()
			}
			return resp, err
		})
	})
	core, err := kube.NewCoreForConfig(cfg)
	if err != nil {
		return "", err
	}
	if _, err := core.Namespaces().List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
		return "", fmt.Errorf("list namespaces: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return uid, nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
