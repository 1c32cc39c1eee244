package k8s

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
)

// informer is one running list+watch with its handlers.
type informer struct {
	res      Resource
	inf      cache.SharedIndexInformer
	handler  cache.ResourceEventHandlerRegistration
	onSynced func()
}

// start runs the informer; onSynced is called once its handlers have
// been given the initial list (so the tables hold it).
func (i informer) start(ctx context.Context) {
	go i.inf.RunWithContext(ctx)
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), i.handler.HasSynced) && i.onSynced != nil {
			i.onSynced()
		}
	}()
}

type listFunc func(context.Context, metav1.ListOptions) (runtime.Object, error)
type watchFunc func(context.Context, metav1.ListOptions) (watch.Interface, error)

// newInformer builds an informer on kind k (in namespace ns, "" for all)
// whose list and watch calls carry the kind's server-side label selector
// and report success or failure to the watcher (connection state,
// per-resource RBAC errors), whose transform (Kind.transform) turns each
// object into its conversion, and whose handlers put the conversions into
// the kind's table.
func (w *Watcher) newInformer(k Kind, gen int, ns string) informer {
	res, selector := k.Resource, k.scope.selector(w.opts)
	list, wf := k.lw(w.cs, ns)
	observe := func(ctx context.Context, err error) { w.observe(ctx, res, gen, err) }
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = selector
			return untilAnswered(ctx, observe, func() (runtime.Object, error) { return list(ctx, o) })
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = selector
			return untilAnswered(ctx, observe, func() (watch.Interface, error) { return wf(ctx, o) })
		},
	}
	inf := cache.NewSharedIndexInformerWithOptions(cache.ToListWatcherWithWatchListSemantics(lw, w.cs), k.example,
		cache.SharedIndexInformerOptions{ObjectDescription: string(res)})
	_ = inf.SetTransform(k.transform)
	_ = inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, _ *cache.Reflector, err error) {
		w.observe(ctx, res, gen, err)
	})
	reg, _ := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { w.put(res, gen, func() { k.add(w, obj); w.followLocked(k, obj, false) }) },
		UpdateFunc: func(_, obj any) { w.put(res, gen, func() { k.add(w, obj); w.followLocked(k, obj, false) }) },
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			w.put(res, gen, func() { k.remove(w, obj); w.followLocked(k, obj, true) })
		},
	})
	return informer{res: res, inf: inf, handler: reg, onSynced: func() { w.markSynced(res, gen) }}
}

// retryInterval is how often a list or watch is retried while the API
// server cannot be reached (or is starting up).
const retryInterval = 500 * time.Millisecond

// untilAnswered calls f — one list or watch — until the API server gives a
// real answer, recording each outcome (observe). Unreachable or
// unavailable servers are retried here every retryInterval instead of
// failing to the informer: client-go's reflector backs off exponentially
// up to 30 s, which after a long outage would delay the re-list long after
// the API server is back. Answers such as Forbidden or Expired go to the
// reflector as they are.
func untilAnswered[T any](ctx context.Context, observe func(context.Context, error), f func() (T, error)) (T, error) {
	for {
		v, err := f()
		observe(ctx, err)
		if err == nil || !transient(err) || ctx.Err() != nil {
			return v, err
		}
		t := time.NewTimer(retryInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, err
		case <-t.C:
		}
	}
}

// transient reports errors that say nothing about the request: no answer
// at all, or a server that is starting, overloaded or timing out.
func transient(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return true
	}
	return apierrors.IsServiceUnavailable(err) || apierrors.IsTooManyRequests(err) ||
		apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err)
}

// tooOld reports the API server's answer to a resource version it no
// longer has (410 Gone, Expired): list again.
func tooOld(err error) bool { return apierrors.IsResourceExpired(err) || apierrors.IsGone(err) }

// informers builds the cluster-wide informers: one per kind, but for the
// events of the opened namespace (startEventsLocked) and, unless the mode
// is ModeClusterWide, the namespaced kinds (envFeed; detect).
func (w *Watcher) informers() []informer {
	var out []informer
	for _, k := range w.kinds {
		if k.scope == scopeOpened || k.scope == scopeObjects && w.mode != ModeClusterWide {
			continue
		}
		out = append(out, w.newInformer(k, 0, ""))
	}
	return out
}

// startEventsLocked starts an informer on the events of ns. Callers hold mu.
func (w *Watcher) startEventsLocked(ns string) {
	k, ok := kindOf(w.kinds, ResourceEvents)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(w.runCtx)
	w.eventsStop = cancel
	w.newInformer(k, w.eventsGen, ns).start(ctx)
}

// put applies a table change under the lock and asks for a snapshot,
// ignoring the events informers of a namespace no longer open.
func (w *Watcher) put(res Resource, gen int, change func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if res == ResourceEvents && gen != w.eventsGen {
		return
	}
	change()
	w.signalLocked()
}

func (w *Watcher) markSynced(res Resource, gen int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if res == ResourceEvents && gen != w.eventsGen {
		return
	}
	st := w.resources[res]
	st.Synced = true
	w.resources[res] = st
	w.metaDirty = true
	w.signalLocked()
}

// observe records the outcome of a list or watch call: the API server
// answering means connected; an RBAC refusal is an error of that resource
// only; a transport error means the connection is lost.
func (w *Watcher) observe(ctx context.Context, res Resource, gen int, err error) {
	if err != nil && (ctx.Err() != nil || errors.Is(err, context.Canceled)) {
		return // we are stopping
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if res == ResourceEvents && gen != w.eventsGen {
		return
	}
	answered := w.observeConnLocked(err)
	st, before := w.resources[res], w.resources[res]
	switch {
	case err == nil:
		st.Err, st.Forbidden = "", false
	case tooOld(err):
		// A normal re-list; not worth showing.
	case answered:
		st.Err = err.Error()
		st.Forbidden = apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err)
	}
	if st != before {
		w.resources[res] = st
		w.metaDirty = true
	}
	if w.metaDirty {
		w.signalLocked()
	}
}

// observeConnLocked records what the outcome err of a list or watch says
// about the connection and reports whether the API server answered.
// Callers hold mu.
func (w *Watcher) observeConnLocked(err error) bool {
	var status apierrors.APIStatus
	answered := err == nil || errors.As(err, &status)
	now := w.opts.Now()
	if answered && !w.conn.Connected {
		w.conn = Connection{Connected: true, Since: now}
		w.metaDirty = true
	}
	if !answered {
		if w.conn.Connected || w.conn.Since.IsZero() {
			w.conn = Connection{Connected: false, Since: now, Err: err.Error()}
		} else {
			w.conn.Err = err.Error()
		}
		w.metaDirty = true
	}
	return answered
}
