package k8s

import (
	"context"
	"testing"
	"time"
)

// TestRequestGateListsBeforeWatches: a watch waits while a list is under
// way and starts once none is; lists are bounded.
func TestRequestGateListsBeforeWatches(t *testing.T) {
	g := newRequestGate(1, 2)
	ctx := context.Background()
	release := make(chan struct{})
	listing := make(chan struct{})
	go func() {
		_, _ = gateList(ctx, g, func() (int, error) { close(listing); <-release; return 0, nil })
	}()
	<-listing
	watched := make(chan struct{})
	go func() {
		_, _ = gateWatch(ctx, g, func() (int, error) { close(watched); return 0, nil })
	}()
	// A second list waits for the first one's slot, and so does the watch.
	second := make(chan struct{})
	go func() {
		_, _ = gateList(ctx, g, func() (int, error) { close(second); return 0, nil })
	}()
	select {
	case <-watched:
		t.Fatal("a watch started while a list was under way")
	case <-second:
		t.Fatal("a second list started beyond the bound of 1")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	for _, ch := range []chan struct{}{second, watched} {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("the queued list or watch did not start once the list ended")
		}
	}
	// A cancelled wait gives up.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	hold, held := make(chan struct{}), make(chan struct{})
	go func() { _, _ = gateList(ctx, g, func() (int, error) { close(held); <-hold; return 0, nil }) }()
	<-held
	if _, err := gateWatch(cctx, g, func() (int, error) { return 1, nil }); err == nil {
		t.Error("a cancelled watch ran")
	}
	close(hold)
}
