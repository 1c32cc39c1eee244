package k8s

import (
	"context"
	"time"
)

// detect asks the API server which mode the caller's rights allow
// (DetectAccess), retrying while it cannot be reached, then starts the
// namespaced kinds' informers: cluster-wide ones, or a feed for each
// namespace seen so far (followLocked starts the later ones). If the
// question itself is refused, the watcher watches cluster-wide, where
// each refused kind shows as Forbidden.
func (w *Watcher) detect(ctx context.Context) {
	mode := ModeClusterWide
	for {
		m, err := DetectAccess(ctx, w.cs)
		if ctx.Err() != nil {
			return
		}
		w.mu.Lock()
		w.observeConnLocked(err)
		w.signalLocked()
		w.mu.Unlock()
		if err == nil {
			mode = m
			break
		}
		if !transient(err) {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryInterval):
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.mode = mode
	w.metaDirty = true
	w.signalLocked()
	if mode == ModeClusterWide {
		for _, k := range w.kinds {
			if k.scope == scopeObjects {
				w.newInformer(k, 0, "").start(ctx)
			}
		}
		return
	}
	for name, ns := range w.namespaces.byNS[""] {
		w.startEnvLocked(name, kindsOfEnv(w.kinds, ns.Annotations))
	}
}
