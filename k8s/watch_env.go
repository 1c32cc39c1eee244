package k8s

import (
	"context"
	"errors"
	"maps"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// In ModeNamespaced the namespaced kinds are read namespace by namespace,
// as a developer's narrow grant allows: an envFeed per namespace, started
// when the namespace appears (or, with WatchOptions.Namespace, for that
// one) and stopped when it goes. Hundreds of namespaces mean thousands of
// watches, so a feed is one watch consumer of berth's own per kind
// (kindRun) writing straight into the watcher's tables (envStore): no
// shared informer with its indexer, notification buffer and handler
// goroutines, nor a client-go Reflector, for each.
const (
	// envRequestsInFlight bounds the env feeds' lists, and then watches,
	// under way at once (requestGate), so that starting hundreds of
	// namespaces queues here rather than in the API server's priority and
	// fairness, which charges a developer's list of pods in one namespace
	// like a list of all pods and refuses a flow's surplus with 429. With
	// 500 namespaces, 16 to 64 in flight took the same time; 128 and more
	// took longer. Each list in flight holds its answer and decoded
	// objects until they are stored: 16 rather than 32 lowered the live
	// view's peak RSS by a few MiB (bench/README.md).
	envRequestsInFlight = 16
	// envListLimit is the limit of an env feed's first list of a kind
	// (resourceVersion 0, from the watch cache). The watch cache ignores
	// a limit at resourceVersion 0 and returns the namespace's objects
	// whole, but priority and fairness charges the list by it: by
	// min(limit, the kind's objects in the whole cluster) × their average
	// size, 100 kB a seat (kube-apiserver ≥ 1.34, list_work_estimator.go).
	// client-go's 500 made each list of pods in one namespace of a
	// 10,000-pod cluster cost 8–10 seats; 50, about an env's pods, costs
	// 1 for pods of 1.7 kB. Should a server page such a list, listKind
	// follows the continue tokens.
	envListLimit = 50
	// firstRetry and maxRetry bound how long a namespace whose objects the
	// caller may not read waits before trying again (doubling each time).
	firstRetry = time.Second
	maxRetry   = time.Minute
)

// envFeed is the watching of one namespace's objects: one kindFeed per
// kind its inventory names (kindsOfEnv). Its fields are guarded by the
// watcher's mu.
type envFeed struct {
	ns string
	// want are the kinds to watch; running the kinds watched, each with
	// its own start, while the feed is not refused (then it is empty).
	want    envKinds
	running map[Resource]*kindFeed
	// denied is the refusal while the caller may not read the namespace's
	// objects: the feed is stopped, its objects dropped, and retried after
	// wait. denials counts them, so that an older retry does nothing.
	denied  string
	denials int
	wait    time.Duration
	retry   *time.Timer
	gone    bool // stopped for good
}

// kindFeed is the watching of one kind in one namespace. A stopped one
// is no longer its feed's running entry: calls from its reflector are
// then ignored. The objects it holds are the kind's in the namespace's
// tables: in ModeNamespaced no other feed or informer writes them.
type kindFeed struct {
	cancel context.CancelFunc
	synced bool   // its initial list is in the tables
	err    string // last list/watch error, but refusals
}

// followLocked starts, retargets or stops the feed of a namespace as the
// namespaces informer sees it appear or change (gone false) or go, in
// ModeNamespaced without a fixed WatchOptions.Namespace. Callers hold mu.
func (w *Watcher) followLocked(k Kind, obj any, gone bool) {
	if k.Resource != ResourceNamespaces || w.mode != ModeNamespaced || w.opts.Namespace != "" || w.runCtx == nil {
		return
	}
	_, name, ok := k.key(obj)
	if !ok {
		return
	}
	if gone {
		w.stopEnvLocked(name)
		return
	}
	var ann map[string]string
	if c, ok := obj.(*cached[Namespace]); ok {
		ann = c.V.Annotations
	}
	w.startEnvLocked(name, kindsOfEnv(w.kinds, ann))
}

// startEnvLocked starts the feed of namespace ns on kinds, or, if it
// runs (or waits to retry), makes it watch kinds from now on. Callers
// hold mu.
func (w *Watcher) startEnvLocked(ns string, kinds envKinds) {
	if f, ok := w.envs[ns]; ok {
		if !maps.Equal(f.want, kinds) {
			f.want = kinds
			if f.denied == "" {
				w.runEnvLocked(f)
			}
		}
		return
	}
	f := &envFeed{ns: ns, want: kinds, running: map[Resource]*kindFeed{}, wait: firstRetry}
	w.envs[ns] = f
	w.runEnvLocked(f)
}

// runEnvLocked makes f's running kinds its wanted ones: it stops the
// others, dropping their objects, and starts the missing ones.
func (w *Watcher) runEnvLocked(f *envFeed) {
	for res := range f.running {
		if !f.want[res] {
			w.stopKindLocked(f, res)
		}
	}
	for i := range w.kinds {
		k := &w.kinds[i]
		if k.scope == scopeObjects && f.want[k.Resource] && f.running[k.Resource] == nil {
			ctx, cancel := context.WithCancel(w.runCtx)
			kf := &kindFeed{cancel: cancel}
			f.running[k.Resource] = kf
			go w.newKindRun(ctx, k, f, kf).run()
		}
	}
	w.metaDirty = true
	w.signalLocked()
}

// stopKindLocked stops the watching of kind res in f and drops its
// objects from the tables (only its own: kinds share the workloads
// table). Callers hold mu.
func (w *Watcher) stopKindLocked(f *envFeed, res Resource) {
	kf := f.running[res]
	if kf == nil {
		return
	}
	kf.cancel()
	delete(f.running, res)
	if k, ok := kindOf(w.kinds, res); ok {
		k.dropBut(w, f.ns, nil)
	}
	w.metaDirty = true
	w.signalLocked()
}

// stopAllLocked stops every kind of f.
func (w *Watcher) stopAllLocked(f *envFeed) {
	for _, kf := range f.running {
		kf.cancel()
	}
	clear(f.running)
}

// stopEnvLocked stops the feed of namespace ns for good and drops its
// objects. Callers hold mu.
func (w *Watcher) stopEnvLocked(ns string) {
	f, ok := w.envs[ns]
	if !ok {
		return
	}
	f.gone = true
	w.stopAllLocked(f)
	if f.retry != nil {
		f.retry.Stop()
	}
	delete(w.envs, ns)
	if f.denied != "" {
		w.accessDirty = true
	}
	w.dropEnvLocked(ns)
}

// denyLocked stops f after a refusal, drops its objects, records the
// refusal and schedules a retry: a RoleBinding may come (berth up creates
// the namespace a moment before it binds the developers' role there).
func (w *Watcher) denyLocked(f *envFeed, err error) {
	w.stopAllLocked(f)
	f.denials++
	f.denied = denial(err)
	w.accessDirty = true
	w.dropEnvLocked(f.ns)
	n := f.denials
	f.retry = time.AfterFunc(f.wait, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !f.gone && f.denials == n && w.runCtx.Err() == nil {
			w.runEnvLocked(f)
		}
	})
	f.wait = min(2*f.wait, maxRetry)
}

// denial is the refusal as a snapshot shows it: the API server's message.
func denial(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}

// dropEnvLocked removes the objects of namespace ns from the tables the
// namespaced kinds feed.
func (w *Watcher) dropEnvLocked(ns string) {
	for _, k := range w.kinds {
		if k.scope == scopeObjects {
			k.clear(w, ns)
		}
	}
	w.metaDirty = true
	w.signalLocked()
}

// observeEnv records the outcome of one list or watch of kind res (kf)
// in f's namespace: the connection state, the kind's error, or — on
// Forbidden — that the caller may not read the namespace.
func (w *Watcher) observeEnv(ctx context.Context, f *envFeed, kf *kindFeed, res Resource, err error) {
	if err != nil && (ctx.Err() != nil || errors.Is(err, context.Canceled)) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	answered := w.observeConnLocked(err)
	if f.gone || f.running[res] != kf {
		w.signalLocked()
		return
	}
	switch {
	case err == nil:
		if f.denied != "" {
			f.denied, f.wait = "", firstRetry
			w.accessDirty = true
		}
		if kf.err != "" {
			kf.err = ""
			w.metaDirty = true
		}
	case apierrors.IsForbidden(err):
		w.denyLocked(f, err)
	case tooOld(err):
		// A normal re-list.
	case answered:
		kf.err = err.Error()
		w.metaDirty = true
	}
	w.signalLocked()
}

// envResourcesLocked is the state of the namespaced kinds in
// ModeNamespaced, over all feeds: synced once the namespaces are listed
// and every feed allowed to read that watches the kind has listed it (a
// feed not watching a kind has none of it to list); the error of the
// first namespace (by name) with one.
func (w *Watcher) envResourcesLocked(out map[Resource]ResourceState) {
	listed := w.opts.Namespace != "" || w.resources[ResourceNamespaces].Synced
	for _, k := range w.kinds {
		if k.scope != scopeObjects {
			continue
		}
		st, errNS := ResourceState{Synced: listed}, ""
		for ns, f := range w.envs {
			if f.denied != "" || !f.want[k.Resource] {
				continue
			}
			kf := f.running[k.Resource]
			if kf == nil || !kf.synced {
				st.Synced = false
			}
			if kf != nil && kf.err != "" && (errNS == "" || ns < errNS) {
				errNS, st.Err = ns, ns+": "+kf.err
			}
		}
		out[k.Resource] = st
	}
}

// noAccessLocked lists the feeds refused, by namespace.
func (w *Watcher) noAccessLocked() map[string]string {
	out := map[string]string{}
	for ns, f := range w.envs {
		if f.denied != "" {
			out[ns] = strings.TrimSpace(f.denied)
		}
	}
	return out
}
