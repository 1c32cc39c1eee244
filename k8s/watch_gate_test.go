package k8s

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// started runs take (a gate's list or watch) in a goroutine and returns a
// channel closed once it holds its slot, and the slot's release.
func started(take func() (func(), error)) (<-chan struct{}, <-chan func()) {
	ok, rel := make(chan struct{}), make(chan func(), 1)
	go func() {
		if release, err := take(); err == nil {
			rel <- release
			close(ok)
		}
	}()
	return ok, rel
}

// waiting fails if any of chs is closed within 100 ms.
func waiting(t *testing.T, what string, chs ...<-chan struct{}) {
	t.Helper()
	for _, ch := range chs {
		select {
		case <-ch:
			t.Fatal(what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// within fails unless every one of chs is closed within 5 s.
func within(t *testing.T, what string, chs ...<-chan struct{}) {
	t.Helper()
	for _, ch := range chs {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal(what)
		}
	}
}

// TestRequestGateListsBeforeWatches: a watch waits while a list is under
// way and starts once none is; lists are bounded.
func TestRequestGateListsBeforeWatches(t *testing.T) {
	g := newRequestGate(1, 2)
	ctx := context.Background()
	listing, rel := started(func() (func(), error) { return g.list(ctx, rankPods, "a") })
	within(t, "the first list did not start", listing)
	watched, _ := started(func() (func(), error) { return g.watch(ctx) })
	// A second list waits for the first one's slot, and so does the watch.
	second, rel2 := started(func() (func(), error) { return g.list(ctx, rankPods, "a") })
	waiting(t, "a watch started while a list was under way, or a second list beyond the bound of 1", watched, second)
	(<-rel)()
	within(t, "the queued list did not start once the first ended", second)
	waiting(t, "a watch started while the second list was under way", watched)
	(<-rel2)()
	within(t, "the watch did not start once no list was pending", watched)

	// A cancelled wait gives up.
	held, hold := started(func() (func(), error) { return g.list(ctx, rankPods, "a") })
	within(t, "a list did not start", held)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.watch(cctx); err == nil {
		t.Error("a cancelled watch ran")
	}
	(<-hold)()
}

// TestRequestGateListOrder: waiting lists start in the env list's order
// — pods before the other kinds, then by namespace — whatever the order
// they came in; a cancelled one leaves its place.
func TestRequestGateListOrder(t *testing.T) {
	g := newRequestGate(1, 1)
	ctx := context.Background()
	first, rel := started(func() (func(), error) { return g.list(ctx, rankOthers, "a") })
	within(t, "the first list did not start", first)
	var order []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	cctx, cancel := context.WithCancel(ctx)
	queued := []struct {
		ctx  context.Context
		rank int
		ns   string
	}{{ctx, rankOthers, "b"}, {ctx, rankPods, "z"}, {cctx, rankPods, "c"}, {ctx, rankPods, "d"}, {ctx, rankOthers, "a"}}
	for _, q := range queued {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := g.list(q.ctx, q.rank, q.ns)
			if err != nil {
				return
			}
			mu.Lock()
			order = append(order, fmt.Sprint(q.rank, q.ns))
			mu.Unlock()
			release()
		}()
	}
	// All queued behind the first (the gate's lock orders nothing here:
	// they wait until it ends), and one of them cancelled.
	time.Sleep(100 * time.Millisecond)
	cancel()
	time.Sleep(50 * time.Millisecond)
	(<-rel)()
	wg.Wait()
	want := []string{"0d", "0z", "1a", "1b"}
	if !slices.Equal(order, want) {
		t.Errorf("lists started in order %v, want %v", order, want)
	}
	if g.lists != 0 || g.pending != 0 || g.queue.Len() != 0 {
		t.Errorf("gate after all lists: %d in flight, %d pending, %d queued", g.lists, g.pending, g.queue.Len())
	}
}
