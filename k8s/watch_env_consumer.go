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

// An env feed's kind is watched by a consumer of berth's own (runKind)
// rather than a client-go Reflector: one goroutine per kind and namespace
// that also decodes the watch (eventStream), against a reflector's three
// (its loop, its resync timer and client-go's decoder) — besides the
// HTTP/2 stream's own, which every request has — and no reflector state
// (backoff managers, clocks, names) per watch.
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

// runKind watches kind k in f's namespace until ctx ends (the kind or the
// feed stopped, or a refusal): it lists (from the watch cache), then
// watches from the list's resource version with bookmarks, so a watch
// that ends resumes where it was; a version too old to resume (410 Gone,
// Expired) means listing again. Objects go into the tables through an
// envStore, outcomes to observeEnv.
func (w *Watcher) runKind(ctx context.Context, k Kind, f *envFeed, kf *kindFeed) {
	res, selector := k.Resource, k.scope.selector(w.opts)
	list, watchFn := k.lw(w.cs, f.ns)
	observe := func(ctx context.Context, err error) { w.observeEnv(ctx, f, kf, res, err) }
	store := &envStore{w: w, f: f, kf: kf, k: k}
	backoff, rv := kindBackoff, ""
	for ctx.Err() == nil {
		var err error
		if rv == "" {
			rv, err = w.listKind(ctx, k, f.ns, list, selector, observe, store)
		} else {
			var events int
			rv, events, err = w.watchKind(ctx, k, f.ns, watchFn, selector, rv, observe, store)
			if err == nil && events > 0 {
				backoff = kindBackoff
				continue
			}
			if err == nil {
				// Ended without an event: resume after a pause, so that a
				// server closing watches at once is not asked in a loop.
				err = errShortWatch
			}
		}
		if err == nil {
			backoff = kindBackoff
			continue
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, maxKindBackoff)
	}
}

var (
	// errShortWatch marks a watch that ended before any event.
	errShortWatch = errors.New("watch ended at once")
	// errStreamClosed is the end of a channelStream.
	errStreamClosed = errors.New("watch closed")
)

// listKind lists kind k in namespace ns (resourceVersion 0, limit
// envListLimit, then any continue pages) into store and returns the
// list's resource version.
func (w *Watcher) listKind(ctx context.Context, k Kind, ns string, list listFunc, selector string, observe func(context.Context, error), store *envStore) (string, error) {
	o := metav1.ListOptions{LabelSelector: selector, ResourceVersion: "0", Limit: envListLimit}
	var items []any
	for {
		obj, err := untilAnswered(ctx, observe, func() (runtime.Object, error) {
			release, err := w.gate.list(ctx, listRank(k.Resource), ns)
			if err != nil {
				return nil, err
			}
			defer release()
			return listEnv(ctx, w.cs, k, ns, o, list)
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
			return lm.GetResourceVersion(), store.replace(items)
		}
		o.Continue, o.ResourceVersion = lm.GetContinue(), ""
	}
}

// watchKind watches kind k in namespace ns from resource version rv into
// store until the watch ends or ctx does, and returns the version to
// resume from ("" to list again) and how many events came.
func (w *Watcher) watchKind(ctx context.Context, k Kind, ns string, watchFn watchFunc, selector, rv string, observe func(context.Context, error), store *envStore) (string, int, error) {
	timeout := int64((minWatchTimeout + rand.N(minWatchTimeout)) / time.Second)
	o := metav1.ListOptions{LabelSelector: selector, ResourceVersion: rv, AllowWatchBookmarks: true, TimeoutSeconds: &timeout}
	st, err := untilAnswered(ctx, observe, func() (eventStream, error) {
		release, err := w.gate.watch(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
		return openStream(ctx, w.cs, k, ns, o, watchFn)
	})
	if err != nil {
		if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
			return "", 0, nil
		}
		return rv, 0, err
	}
	defer st.Close()
	events := 0
	for {
		typ, obj, err := st.Next()
		if err != nil {
			// The server ended the watch (its timeout), the connection
			// broke, or ctx ended: resume from rv.
			return rv, events, nil
		}
		events++
		if typ == watch.Error {
			err := apierrors.FromObject(obj)
			if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
				return "", events, nil
			}
			observe(ctx, err)
			return rv, 0, err
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			continue
		}
		switch typ {
		case watch.Added, watch.Modified:
			err = store.put(obj)
		case watch.Deleted:
			err = store.remove(obj)
		}
		if err != nil {
			return rv, 0, err
		}
		rv = m.GetResourceVersion()
	}
}
