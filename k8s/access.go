package k8s

import (
	"context"
	"fmt"
	"sync"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/k8s/kube"
)

// AccessMode is how a Watcher reads the namespaced kinds (pods, workloads,
// jobs).
type AccessMode string

// Access modes.
const (
	// ModeClusterWide: one label-selected informer per kind across all
	// namespaces (admins, the platform team).
	ModeClusterWide AccessMode = "cluster-wide"
	// ModeNamespaced: informers per berth namespace, started when the
	// namespace appears and stopped when it goes — what a developer's
	// narrow grant (reads only inside berth namespaces) allows.
	ModeNamespaced AccessMode = "namespaced"
	// ModeDetect asks the API server at start (DetectAccess) and picks one
	// of the two. Only a WatchOptions value, never a snapshot's.
	ModeDetect AccessMode = "detect"
)

// DetectAccess asks the API server (SelfSubjectAccessReview) whether the
// caller may list and watch, in all namespaces, every namespaced kind a
// Watcher watches: ModeClusterWide if so, else ModeNamespaced. It costs one
// round trip (the reviews run at once).
func DetectAccess(ctx context.Context, cs kube.Interface) (AccessMode, error) {
	type ask struct{ group, resource, verb string }
	var asks []ask
	for _, k := range Kinds() {
		if k.scope == scopeObjects {
			for _, verb := range []string{"list", "watch"} {
				asks = append(asks, ask{k.Group, string(k.Resource), verb})
			}
		}
	}
	allowed := make([]bool, len(asks))
	errs := make([]error, len(asks))
	var wg sync.WaitGroup
	for i, a := range asks {
		wg.Go(func() {
			r, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
				Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
					Verb: a.verb, Group: a.group, Resource: a.resource,
				}},
			}, metav1.CreateOptions{})
			if err != nil {
				errs[i] = fmt.Errorf("may I %s %s in all namespaces: %w", a.verb, a.resource, err)
				return
			}
			allowed[i] = r.Status.Allowed
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return "", err
		}
	}
	for _, ok := range allowed {
		if !ok {
			return ModeNamespaced, nil
		}
	}
	return ModeClusterWide, nil
}
