package k8s

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/berth-dev/berth/k8s/kube"
)

// WatchOptions scope a Watcher. Selectors are Kubernetes label selectors
// applied by the server, so the watch costs nothing for other objects.
type WatchOptions struct {
	// NamespaceSelector picks the namespaces to list (e.g. managed-by=berth).
	NamespaceSelector string
	// ObjectSelector picks the objects of the namespaced kinds (Kinds:
	// pods, deployments, statefulsets, daemonsets, jobs).
	ObjectSelector string
	// Mode is where those kinds are watched: cluster-wide (the default,
	// ""), in each namespace NamespaceSelector picks (ModeNamespaced, for
	// a developer's narrow grant), or whichever DetectAccess finds at
	// start (ModeDetect). Namespaced mode runs an informer per kind and
	// namespace: give the watcher a client without client-side rate
	// limiting (Client.Bulk), or hundreds of namespaces start slowly.
	Mode AccessMode
	// Namespace, when set, watches those kinds in this one namespace only
	// (one environment: status, up's waits), whatever Mode says.
	Namespace string
	// Debounce is how long changes are gathered before one notification;
	// default 50 ms.
	Debounce time.Duration
	// MaxEvents bounds the events kept for the opened namespace; default 200.
	MaxEvents int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Watcher keeps informers on the selected namespaces, their workloads, jobs
// and pods, all nodes, and the events of one opened namespace: one per
// entry of Kinds — or, for workloads, jobs and pods, one per kind and
// selected namespace in ModeNamespaced (WatchOptions.Mode). It publishes
// an immutable Snapshot after each burst of changes. There is no polling:
// everything arrives through list+watch, and informers re-list on their own
// after a lost connection.
type Watcher struct {
	cs    kube.Interface
	opts  WatchOptions
	kinds []Kind // Kinds()

	mu         sync.Mutex
	namespaces *table[Namespace]
	workloads  *table[Workload]
	jobs       *table[Job]
	pods       *table[Pod]
	nodes      *table[Node]
	events     *table[Event]
	resources  map[Resource]ResourceState
	conn       Connection
	metaDirty  bool // resources or connection changed
	eventsNS   string
	eventsGen  int
	eventsStop context.CancelFunc
	runCtx     context.Context // set by Start
	subs       map[chan struct{}]struct{}

	// mode is ModeClusterWide or ModeNamespaced; "" while ModeDetect asks.
	mode AccessMode
	// envs are the informers of each watched namespace in ModeNamespaced.
	envs        map[string]*envFeed
	accessDirty bool         // an env's access changed
	gate        *requestGate // paces the env feeds' requests
	// streamHeader is the env feeds' watches' request header (shared).
	streamHeader http.Header

	kick    chan struct{}
	snap    atomic.Pointer[Snapshot]
	primary <-chan struct{}
}

// NewWatcher prepares a watcher; nothing runs until Start.
func NewWatcher(cs kube.Interface, opts WatchOptions) *Watcher {
	if opts.Debounce <= 0 {
		opts.Debounce = 50 * time.Millisecond
	}
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = 200
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	mode := opts.Mode
	switch {
	case opts.Namespace != "":
		mode = ModeNamespaced
	case mode == "":
		mode = ModeClusterWide
	case mode == ModeDetect:
		mode = ""
	}
	w := &Watcher{
		mode:         mode,
		envs:         map[string]*envFeed{},
		gate:         newRequestGate(envRequestsInFlight, envRequestsInFlight),
		streamHeader: streamHeader(cs),
		cs:           cs,
		opts:         opts,
		kinds:        Kinds(),
		namespaces:   newTable[Namespace](),
		workloads:    newTable[Workload](),
		jobs:         newTable[Job](),
		pods:         newTable[Pod](),
		nodes:        newTable[Node](),
		events:       newTable[Event](),
		resources:    map[Resource]ResourceState{},
		subs:         map[chan struct{}]struct{}{},
		kick:         make(chan struct{}, 1),
	}
	w.primary = w.subscribe()
	w.snap.Store(w.build())
	return w
}

// Start runs the informers until ctx is done. Call it once.
func (w *Watcher) Start(ctx context.Context) {
	w.mu.Lock()
	w.runCtx = ctx
	ns := w.eventsNS
	w.mu.Unlock()

	for _, inf := range w.informers() {
		inf.start(ctx)
	}
	w.mu.Lock()
	if ns != "" {
		w.startEventsLocked(ns)
	}
	if w.opts.Namespace != "" {
		// Every kind: one namespace's watches cost little, and up's
		// waits must see each kind it applies whatever the inventory.
		w.startEnvLocked(w.opts.Namespace, allEnvKinds(w.kinds))
	}
	w.mu.Unlock()
	if w.opts.Mode == ModeDetect && w.opts.Namespace == "" {
		go w.detect(ctx)
	}
	go w.loop(ctx)
}

// Changes delivers a tick after each coalesced burst of changes; read
// Snapshot then. Ticks never queue up: a slow reader just sees fewer.
// The channel closes when the watcher stops.
func (w *Watcher) Changes() <-chan struct{} { return w.primary }

// Subscribe returns an extra change channel for another reader, closed
// when ctx is done or the watcher stops.
func (w *Watcher) Subscribe(ctx context.Context) <-chan struct{} {
	ch := w.subscribe()
	go func() {
		<-ctx.Done()
		w.mu.Lock()
		defer w.mu.Unlock()
		if _, ok := w.subs[ch]; ok {
			delete(w.subs, ch)
			close(ch)
		}
	}()
	return ch
}

func (w *Watcher) subscribe() chan struct{} {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	w.subs[ch] = struct{}{}
	w.mu.Unlock()
	return ch
}

// Snapshot returns the latest snapshot; never nil.
func (w *Watcher) Snapshot() *Snapshot { return w.snap.Load() }

// WaitFor blocks until cond holds for a snapshot or ctx is done.
func (w *Watcher) WaitFor(ctx context.Context, cond func(*Snapshot) bool) (*Snapshot, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := w.Subscribe(sctx)
	for {
		if s := w.Snapshot(); cond(s) {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return w.Snapshot(), ctx.Err()
		case _, ok := <-ch:
			if !ok {
				if s := w.Snapshot(); cond(s) {
					return s, nil
				}
				return w.Snapshot(), context.Canceled
			}
		}
	}
}

// OpenEvents watches the events of namespace ns instead of the previous
// one; "" stops watching events.
func (w *Watcher) OpenEvents(ns string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ns == w.eventsNS {
		return
	}
	if w.eventsStop != nil {
		w.eventsStop()
		w.eventsStop = nil
	}
	w.eventsGen++
	w.eventsNS = ns
	w.events.reset()
	delete(w.resources, ResourceEvents)
	w.metaDirty = true
	if ns != "" && w.runCtx != nil {
		w.startEventsLocked(ns)
	}
	w.signalLocked()
}

// signalLocked asks the loop for a new snapshot. Callers hold mu.
func (w *Watcher) signalLocked() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// loop turns bursts of changes into one snapshot and one tick each: the
// first change opens a window of Debounce, later ones ride along, so under
// a constant stream a snapshot still comes every Debounce.
func (w *Watcher) loop(ctx context.Context) {
	defer w.closeSubs()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		}
		t := time.NewTimer(w.opts.Debounce)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		w.snap.Store(w.build())
		w.mu.Lock()
		for ch := range w.subs {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
		w.mu.Unlock()
	}
}

func (w *Watcher) closeSubs() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.subs {
		close(ch)
	}
	clear(w.subs)
}
