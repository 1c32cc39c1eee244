package k8s

import (
	"context"
	"sync"
)

// requestGate paces the env feeds' requests: at most n lists in flight,
// and watches only while no list waits or runs (then at most n in flight
// too). Starting hundreds of namespaces makes a list and a watch per kind
// and namespace; lists first means every namespace's objects are shown
// after half the requests, and the watches follow from the lists'
// resource versions, so nothing is missed meanwhile.
type requestGate struct {
	lists, watches chan struct{} // slots

	mu      sync.Mutex
	pending int           // lists waiting or running
	idle    chan struct{} // closed while pending is 0
}

func newRequestGate(lists, watches int) *requestGate {
	idle := make(chan struct{})
	close(idle)
	return &requestGate{lists: make(chan struct{}, lists), watches: make(chan struct{}, watches), idle: idle}
}

// list runs call as a list.
func gateList[T any](ctx context.Context, g *requestGate, call func() (T, error)) (T, error) {
	g.mu.Lock()
	if g.pending == 0 {
		g.idle = make(chan struct{})
	}
	g.pending++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		if g.pending--; g.pending == 0 {
			close(g.idle)
		}
		g.mu.Unlock()
	}()
	return holding(ctx, g.lists, call)
}

// gateWatch runs call as a watch, once no list is pending.
func gateWatch[T any](ctx context.Context, g *requestGate, call func() (T, error)) (T, error) {
	g.mu.Lock()
	idle := g.idle
	g.mu.Unlock()
	select {
	case <-idle:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	return holding(ctx, g.watches, call)
}

// holding runs call while holding one of sem's slots.
func holding[T any](ctx context.Context, sem chan struct{}, call func() (T, error)) (T, error) {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	defer func() { <-sem }()
	return call()
}
