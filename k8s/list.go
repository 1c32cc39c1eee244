package k8s

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/k8s/kube"
)

// listParallel is how many per-namespace lists ListSnapshot runs at once.
const listParallel = 32

// ListSnapshot builds a snapshot from one-shot lists — what a Watcher would
// hold once synced, without watching: the namespaces NamespaceSelector
// picks, the objects of the namespaced kinds ObjectSelector picks, and all
// nodes (skipped when RBAC forbids them). Each namespaced kind is listed
// across all namespaces; if that is forbidden (a developer's narrow grant,
// issue 20), in each picked namespace instead, and a namespace refusing it
// is recorded in the snapshot's NoAccess. The snapshot's Mode says which
// way it went. Events are not listed. cs should not be rate limited
// client-side (Client.Bulk): the fallback makes a request per namespace
// and kind.
func ListSnapshot(ctx context.Context, cs kube.Interface, o WatchOptions, now time.Time) (*Snapshot, error) {
	w := NewWatcher(nil, WatchOptions{Now: func() time.Time { return now }})
	w.mode = ModeClusterWide
	add := func(k Kind, objs []runtime.Object) {
		for _, obj := range objs {
			if c, ok := k.slim(obj); ok {
				k.add(w, c)
			}
		}
	}
	var names []string
	for _, k := range w.kinds {
		var err error
		switch k.scope {
		case scopeSelected:
			var objs []runtime.Object
			objs, err = k.list(ctx, cs, "", metav1.ListOptions{LabelSelector: o.NamespaceSelector})
			add(k, objs)
			for _, obj := range objs {
				if m, ok := obj.(metav1.Object); ok {
					names = append(names, m.GetName())
				}
			}
		case scopeAll:
			var objs []runtime.Object
			objs, err = k.list(ctx, cs, "", metav1.ListOptions{})
			if apierrors.IsForbidden(err) {
				err = nil // capacity types unknown; everything else holds
			}
			add(k, objs)
		case scopeObjects:
			if len(names) == 0 {
				break
			}
			lo := metav1.ListOptions{LabelSelector: o.ObjectSelector}
			var objs []runtime.Object
			objs, err = k.list(ctx, cs, "", lo)
			if apierrors.IsForbidden(err) {
				w.mode = ModeNamespaced
				objs, err = listEach(ctx, cs, k, names, lo, w.noAccessList())
			}
			add(k, objs)
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", k.Resource, err)
		}
	}
	for _, k := range w.kinds {
		w.resources[k.Resource] = ResourceState{Synced: true}
	}
	w.conn = Connection{Connected: true, Since: now}
	w.metaDirty = true
	return w.build(), nil
}

// noAccessList records a namespace refusing a list as an env feed denied,
// so the snapshot's NoAccess holds it.
func (w *Watcher) noAccessList() func(ns string, err error) {
	var mu sync.Mutex
	return func(ns string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := w.envs[ns]; !ok {
			w.envs[ns] = &envFeed{ns: ns, gone: true, denied: denial(err)}
			w.accessDirty = true
		}
	}
}

// listEach lists kind k in each namespace of names, listParallel at once;
// a namespace refusing it goes to denied, and is otherwise skipped.
func listEach(ctx context.Context, cs kube.Interface, k Kind, names []string, lo metav1.ListOptions, denied func(string, error)) ([]runtime.Object, error) {
	results := make([][]runtime.Object, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, listParallel)
	var wg sync.WaitGroup
	for i, ns := range names {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			objs, err := k.list(ctx, cs, ns, lo)
			switch {
			case apierrors.IsForbidden(err):
				denied(ns, err)
			case err != nil:
				errs[i] = fmt.Errorf("in %s: %w", ns, err)
			}
			results[i] = objs
		})
	}
	wg.Wait()
	var out []runtime.Object
	for i := range names {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, results[i]...)
	}
	return out, nil
}
