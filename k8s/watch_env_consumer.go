package k8s

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// An env feed's kind is watched by a consumer of berth's own (kindRun)
// rather than a client-go Reflector: one goroutine per kind and namespace
// that reads the watch itself (eventStream), against a reflector's three
// (its loop, its resync timer and client-go's decoder) — besides the
// HTTP/2 stream's own, which every request has — and no reflector state
// (backoff managers, clocks, names) per watch. The goroutine waits (for
// the request gate, for the watch) with a shallow stack and does the
// deep work, decoding and storing, on short-lived ones (onOwnStack).
const (
	// kindBackoff and maxKindBackoff bound the pause before listing or
	// watching again after an answer that is an error (doubling each
	// time, as client-go's reflector does); no answer at all is retried
	// by untilAnswered.
	kindBackoff    = 800 * time.Millisecond
	maxKindBackoff = 30 * time.Second
	// minWatchTimeout is the shortest a watch asks the API server to
	// last (up to twice that, at random, so the feeds' watches do not all
	// end together); it is then resumed from the last resource version.
	minWatchTimeout = 5 * time.Minute
)

// newKindRun is the consumer of kind k in f's namespace; its run (on a
// goroutine of its own) watches the kind until ctx ends (the kind or the
// feed stopped, or a refusal): it lists (from the watch cache), then
// watches from the list's resource version with bookmarks, so a watch
// that ends resumes where it was; a version too old to resume (410 Gone,
// Expired) means listing again. Objects go into the tables through an
// envStore, outcomes to observeEnv.
func (w *Watcher) newKindRun(ctx context.Context, k *Kind, f *envFeed, kf *kindFeed) *kindRun {
	list, watchFn := k.lw(w.cs, f.ns)
	r := &kindRun{w: w, ctx: ctx, k: k, ns: f.ns, list: list, watchFn: watchFn,
		selector: k.scope.selector(w.opts), store: &envStore{w: w, f: f, kf: kf, k: k}, backoff: kindBackoff}
	r.observe = func(ctx context.Context, err error) { w.observeEnv(ctx, f, kf, k.Resource, err) }
	return r
}

// kindRun is one kind feed's consumer: the state its list and watch
// loop carries from one goroutine to the next (run, follow).
type kindRun struct {
	w        *Watcher
	ctx      context.Context
	k        *Kind // the watcher's, not a copy: thousands of runs share it
	ns       string
	list     listFunc
	watchFn  watchFunc
	selector string
	observe  func(context.Context, error)
	store    *envStore
	rv       string // resume from; "" lists
	backoff  time.Duration
	// The open watch: how many events came, and why it was left.
	st     eventStream
	events int
	err    error
}

// run lists and opens a watch until one is open, and hands it to follow
// on a goroutine of its own; it returns then, or when ctx ends. It waits
// for the request gate's slot itself, before step: at start-up a
// thousand feeds (ModeNamespaced) wait there at once, and a goroutine
// parked this shallow keeps a stack of 4 KiB, one parked inside a list's
// retries 8 KiB.
func (r *kindRun) run() {
	for r.ctx.Err() == nil {
		release, err := r.takeSlot()
		if err != nil {
			return // ctx ended
		}
		if onOwnStack(func() bool { return r.step(release) }) {
			go r.follow()
			return
		}
	}
}

// takeSlot waits for the request gate's slot for the next request: a
// list while r.rv is "", else a watch.
func (r *kindRun) takeSlot() (release func(), err error) {
	if r.rv == "" {
		return r.w.gate.list(r.ctx, listRank(r.k.Resource), r.ns)
	}
	return r.w.gate.watch(r.ctx)
}

// step lists (r.rv "") or opens a watch from r.rv, its first request on
// the gate's slot that release gives back; true when a watch is open.
// After a failure it pauses (backoff) before returning false.
func (r *kindRun) step(release func()) bool {
	slot := firstSlot(release, r.takeSlot)
	var err error
	if r.rv == "" {
		r.rv, err = r.listKind(slot)
	} else if err = r.open(slot); err == nil {
		return true
	}
	if err == nil {
		r.backoff = kindBackoff
		return false
	}
	r.pause()
	return false
}

// firstSlot takes the gate's slot for each request: the one held (its
// release) for the first, then take's.
func firstSlot(held func(), take func() (func(), error)) func() (func(), error) {
	return func() (func(), error) {
		if held != nil {
			release := held
			held = nil
			return release, nil
		}
		return take()
	}
}

// follow reads the open watch until it ends, then goes back to run.
// It blocks on the watch for minutes with only its own few frames and
// the stream's on its stack: each event is decoded and stored on a
// goroutine of its own (next). A goroutine parked in run's loop, or
// one that once decoded a pod, keeps a stack of 8 KiB where this one
// shrinks to 4 KiB at a GC — at a thousand watches (ModeNamespaced),
// 4 MiB, which the GC's heap goal then counts twice.
func (r *kindRun) follow() {
	for r.next() {
	}
	r.st.Close()
	r.ended()
	r.run()
}

// next waits for the watch's next event and applies it; false when the
// watch ended (the server's timeout, a broken connection, ctx) or an
// event ended it.
func (r *kindRun) next() bool {
	ev, err := r.st.Next()
	if err != nil {
		return false
	}
	return onOwnStack(func() bool { return r.apply(ev) })
}

// onOwnStack runs f on a goroutine of its own and returns its result: a
// stack that f grows (decoding, converting, storing objects) is freed
// when f returns, where a goroutine that then parks for long would keep
// it until GCs shrink it by halves.
func onOwnStack(f func() bool) bool {
	done := make(chan bool)
	go func() { done <- f() }()
	return <-done
}

// open opens a watch from r.rv; a version too old to resume clears
// r.rv (the next round lists) and counts as a watch without events.
func (r *kindRun) open(slot func() (func(), error)) error {
	timeout := int64((minWatchTimeout + rand.N(minWatchTimeout)) / time.Second)
	o := metav1.ListOptions{LabelSelector: r.selector, ResourceVersion: r.rv, AllowWatchBookmarks: true, TimeoutSeconds: &timeout}
	st, err := untilAnswered(r.ctx, r.observe, func() (eventStream, error) {
		release, err := slot()
		if err != nil {
			return nil, err
		}
		defer release()
		return openStream(r.ctx, r.w.cs, r.k, r.ns, o, r.w.streamHeader, r.watchFn)
	})
	if tooOld(err) {
		r.rv = ""
		return errShortWatch
	}
	if err != nil {
		return err
	}
	r.st, r.events, r.err = st, 0, nil
	return nil
}

// apply decodes one event and puts it in the store (or takes its object
// out), moving r.rv on; false when the event ends the watch: an error
// event (a version too old to resume clears r.rv), or a store error.
func (r *kindRun) apply(ev eventDecoder) bool {
	typ, obj, err := ev()
	if err != nil {
		return false // as a broken stream: resume from r.rv
	}
	r.events++
	if typ == watch.Error {
		err := apierrors.FromObject(obj)
		if tooOld(err) {
			r.rv = ""
			return false
		}
		r.observe(r.ctx, err)
		r.err = err
		return false
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return true
	}
	switch typ {
	case watch.Added, watch.Modified:
		err = r.store.put(obj)
	case watch.Deleted:
		err = r.store.remove(obj)
	}
	if err != nil {
		r.err = err
		return false
	}
	r.rv = m.GetResourceVersion()
	return true
}

// ended goes on after a watch: at once after one that brought events
// and did not fail, after a pause (growing) otherwise.
func (r *kindRun) ended() {
	if r.err == nil && r.events > 0 {
		r.backoff = kindBackoff
		return
	}
	r.pause()
}

// pause waits r.backoff, or until ctx ends, and doubles it (up to
// maxKindBackoff).
func (r *kindRun) pause() {
	t := time.NewTimer(r.backoff)
	defer t.Stop()
	select {
	case <-r.ctx.Done():
	case <-t.C:
	}
	r.backoff = min(2*r.backoff, maxKindBackoff)
}

var (
	// errShortWatch marks a watch that ended before any event.
	errShortWatch = errors.New("watch ended at once")
	// errStreamClosed is the end of a channelStream.
	errStreamClosed = errors.New("watch closed")
)

// listKind lists the kind in the namespace (resourceVersion 0, limit
// envListLimit, then any continue pages), each request on a slot from
// slot, into the store and returns the list's resource version.
func (r *kindRun) listKind(slot func() (func(), error)) (string, error) {
	o := metav1.ListOptions{LabelSelector: r.selector, ResourceVersion: "0", Limit: envListLimit}
	var items []any
	for {
		obj, err := untilAnswered(r.ctx, r.observe, func() (runtime.Object, error) {
			release, err := slot()
			if err != nil {
				return nil, err
			}
			defer release()
			return listEnv(r.ctx, r.w.cs, r.k, r.ns, o, r.list)
		})
		if err != nil {
			return "", err
		}
		page, err := meta.ExtractList(obj)
		if err != nil {
			return "", err
		}
		for _, it := range page {
			items = append(items, it)
		}
		lm, err := meta.ListAccessor(obj)
		if err != nil {
			return "", err
		}
		if lm.GetContinue() == "" {
			return lm.GetResourceVersion(), r.store.replace(items)
		}
		o.Continue, o.ResourceVersion = lm.GetContinue(), ""
	}
}
