package k8s

import (
	"context"
	"errors"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
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
	onSynced func()
}

func (i informer) start(ctx context.Context) {
	go i.inf.RunWithContext(ctx)
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), i.inf.HasSynced) && i.onSynced != nil {
			i.onSynced()
		}
	}()
}

type listFunc func(context.Context, metav1.ListOptions) (runtime.Object, error)
type watchFunc func(context.Context, metav1.ListOptions) (watch.Interface, error)

// newInformer builds an informer whose list and watch calls report success
// or failure to the watcher (connection state, per-resource RBAC errors),
// whose transform (slim) turns each object into its conversion, and whose
// handlers put the conversions into the watcher's tables.
func (w *Watcher) newInformer(res Resource, gen int, selector string, example runtime.Object, list listFunc, wf watchFunc, put func(any), del func(any)) informer {
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = selector
			return untilAnswered(ctx, w, res, gen, func() (runtime.Object, error) { return list(ctx, o) })
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = selector
			return untilAnswered(ctx, w, res, gen, func() (watch.Interface, error) { return wf(ctx, o) })
		},
	}
	inf := cache.NewSharedIndexInformerWithOptions(cache.ToListWatcherWithWatchListSemantics(lw, w.cs), example,
		cache.SharedIndexInformerOptions{ObjectDescription: string(res)})
	_ = inf.SetTransform(slim)
	_ = inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, _ *cache.Reflector, err error) {
		w.observe(ctx, res, gen, err)
	})
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    put,
		UpdateFunc: func(_, obj any) { put(obj) },
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			del(obj)
		},
	})
	return informer{res: res, inf: inf, onSynced: func() { w.markSynced(res, gen) }}
}

// retryInterval is how often a list or watch is retried while the API
// server cannot be reached (or is starting up).
const retryInterval = 500 * time.Millisecond

// untilAnswered calls f — one list or watch — until the API server gives a
// real answer, recording each outcome (connection state). Unreachable or
// unavailable servers are retried here every retryInterval instead of
// failing to the informer: client-go's reflector backs off exponentially
// up to 30 s, which after a long outage would delay the re-list long after
// the API server is back. Answers such as Forbidden or Expired go to the
// reflector as they are.
func untilAnswered[T any](ctx context.Context, w *Watcher, res Resource, gen int, f func() (T, error)) (T, error) {
	for {
		v, err := f()
		w.observe(ctx, res, gen, err)
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

// informers builds the cluster-wide informers.
func (w *Watcher) informers() []informer {
	core, apps, batch := w.cs.CoreV1(), w.cs.AppsV1(), w.cs.BatchV1()
	sel := w.opts.ObjectSelector
	return []informer{
		w.newInformer(ResourceNamespaces, 0, w.opts.NamespaceSelector, &corev1.Namespace{},
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return core.Namespaces().List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return core.Namespaces().Watch(ctx, o)
			},
			typed(func(n *cached[Namespace]) { w.put(func() { w.namespaces.put("", n.name, &n.V) }) }),
			typed(func(n *cached[Namespace]) { w.put(func() { w.namespaces.del("", n.name) }) })),
		w.newInformer(ResourceDeployments, 0, sel, &appsv1.Deployment{},
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return apps.Deployments("").List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return apps.Deployments("").Watch(ctx, o)
			},
			typed(func(d *cached[Workload]) {
				w.put(func() { w.workloads.put(d.namespace, "Deployment/"+d.name, &d.V) })
			}),
			typed(func(d *cached[Workload]) { w.put(func() { w.workloads.del(d.namespace, "Deployment/"+d.name) }) })),
		w.newInformer(ResourceStatefulSets, 0, sel, &appsv1.StatefulSet{},
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return apps.StatefulSets("").List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return apps.StatefulSets("").Watch(ctx, o)
			},
			typed(func(s *cached[Workload]) {
				w.put(func() { w.workloads.put(s.namespace, "StatefulSet/"+s.name, &s.V) })
			}),
			typed(func(s *cached[Workload]) { w.put(func() { w.workloads.del(s.namespace, "StatefulSet/"+s.name) }) })),
		w.newInformer(ResourceDaemonSets, 0, sel, &appsv1.DaemonSet{},
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return apps.DaemonSets("").List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return apps.DaemonSets("").Watch(ctx, o)
			},
			typed(func(d *cached[Workload]) {
				w.put(func() { w.workloads.put(d.namespace, "DaemonSet/"+d.name, &d.V) })
			}),
			typed(func(d *cached[Workload]) { w.put(func() { w.workloads.del(d.namespace, "DaemonSet/"+d.name) }) })),
		w.newInformer(ResourceJobs, 0, sel, &batchv1.Job{},
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return batch.Jobs("").List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return batch.Jobs("").Watch(ctx, o)
			},
			typed(func(j *cached[Job]) { w.put(func() { w.jobs.put(j.namespace, j.name, &j.V) }) }),
			typed(func(j *cached[Job]) { w.put(func() { w.jobs.del(j.namespace, j.name) }) })),
		w.newInformer(ResourcePods, 0, sel, &corev1.Pod{},
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return core.Pods("").List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return core.Pods("").Watch(ctx, o)
			},
			typed(func(p *cached[Pod]) { w.put(func() { w.pods.put(p.namespace, p.name, &p.V) }) }),
			typed(func(p *cached[Pod]) { w.put(func() { w.pods.del(p.namespace, p.name) }) })),
		w.newInformer(ResourceNodes, 0, "", &corev1.Node{},
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return core.Nodes().List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return core.Nodes().Watch(ctx, o)
			},
			typed(func(n *cached[Node]) { w.put(func() { w.nodes.put("", n.name, &n.V) }) }),
			typed(func(n *cached[Node]) { w.put(func() { w.nodes.del("", n.name) }) })),
	}
}

// startEventsLocked starts an informer on the events of ns. Callers hold mu.
func (w *Watcher) startEventsLocked(ns string) {
	ctx, cancel := context.WithCancel(w.runCtx)
	w.eventsStop = cancel
	gen := w.eventsGen
	core := w.cs.CoreV1()
	inf := w.newInformer(ResourceEvents, gen, "", &corev1.Event{},
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return core.Events(ns).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return core.Events(ns).Watch(ctx, o)
		},
		typed(func(e *cached[Event]) { w.putEvent(gen, func() { w.events.put(ns, e.name, &e.V) }) }),
		typed(func(e *cached[Event]) { w.putEvent(gen, func() { w.events.del(ns, e.name) }) }))
	inf.start(ctx)
}

// typed adapts a handler of *T to the informer's any.
func typed[T any](f func(*T)) func(any) {
	return func(obj any) {
		if o, ok := obj.(*T); ok {
			f(o)
		}
	}
}

// put applies a table change under the lock and asks for a snapshot.
func (w *Watcher) put(change func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	change()
	w.signalLocked()
}

// putEvent is put for events, ignoring informers of a namespace no longer open.
func (w *Watcher) putEvent(gen int, change func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if gen != w.eventsGen {
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
	st, before := w.resources[res], w.resources[res]
	var status apierrors.APIStatus
	answered := err == nil || errors.As(err, &status)
	switch {
	case err == nil:
		st.Err, st.Forbidden = "", false
	case apierrors.IsResourceExpired(err) || apierrors.IsGone(err):
		// A normal re-list; not worth showing.
	case answered:
		st.Err = err.Error()
		st.Forbidden = apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err)
	}
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
	if st != before {
		w.resources[res] = st
		w.metaDirty = true
	}
	if w.metaDirty {
		w.signalLocked()
	}
}
