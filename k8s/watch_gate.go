package k8s

import (
	"container/heap"
	"context"
	"slices"
	"sync"
)

// requestGate paces the env feeds' requests: at most n lists in flight,
// and watches only while no list waits or runs (then at most n in flight
// too). Starting hundreds of namespaces makes a list and a watch per kind
// and namespace; the watches follow from the lists' resource versions, so
// nothing is missed meanwhile.
//
// Lists start in the order the env list shows what they read: pods
// before the other kinds (an env's row counts its pods), and by
// namespace name (the rows' order), so that the envs on screen are
// complete first — after a tenth of the requests, with 500 envs on a
// 48-line terminal — and every env's pods after half of them.
type requestGate struct {
	mu                   sync.Mutex
	maxLists, maxWatches int
	lists, watches       int       // in flight
	queue                listQueue // lists waiting, first the next to start
	watchQueue           []*waiter // watches waiting, in order
	pending              int       // lists waiting or in flight
}

// waiter is a list or watch waiting for its turn; ready is closed when
// it may start.
type waiter struct {
	rank  int    // lists: listRank
	ns    string // lists: the namespace
	index int    // lists: in queue, -1 once started
	ready chan struct{}
}

// A list's rank: lower ranks start first.
const (
	rankPods   = iota // an env's row counts its pods
	rankOthers        // workloads and jobs
)

// listRank is the rank of the lists of kind res.
func listRank(res Resource) int {
	if res == ResourcePods {
		return rankPods
	}
	return rankOthers
}

func newRequestGate(lists, watches int) *requestGate {
	return &requestGate{maxLists: lists, maxWatches: watches}
}

// list waits for the turn of a list of rank r in namespace ns and takes
// a slot; release gives it back (call it once, when the list is in).
func (g *requestGate) list(ctx context.Context, r int, ns string) (release func(), err error) {
	w := &waiter{rank: r, ns: ns, ready: make(chan struct{})}
	g.mu.Lock()
	g.pending++
	heap.Push(&g.queue, w)
	g.dispatchLocked()
	g.mu.Unlock()
	select {
	case <-w.ready:
		return func() {
			g.mu.Lock()
			g.lists--
			g.pending--
			g.dispatchLocked()
			g.mu.Unlock()
		}, nil
	case <-ctx.Done():
		g.mu.Lock()
		if w.index < 0 { // started meanwhile
			g.lists--
		} else {
			heap.Remove(&g.queue, w.index)
		}
		g.pending--
		g.dispatchLocked()
		g.mu.Unlock()
		return nil, ctx.Err()
	}
}

// watch waits until no list is pending and takes a slot for opening a
// watch; release gives it back once it is open.
func (g *requestGate) watch(ctx context.Context) (release func(), err error) {
	w := &waiter{ready: make(chan struct{})}
	g.mu.Lock()
	g.watchQueue = append(g.watchQueue, w)
	g.dispatchLocked()
	g.mu.Unlock()
	done := func() {
		g.mu.Lock()
		g.watches--
		g.dispatchLocked()
		g.mu.Unlock()
	}
	select {
	case <-w.ready:
		return done, nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		if i := slices.Index(g.watchQueue, w); i >= 0 {
			g.watchQueue = slices.Delete(g.watchQueue, i, i+1)
			return nil, ctx.Err()
		}
		g.watches--
		g.dispatchLocked()
		return nil, ctx.Err()
	}
}

// dispatchLocked starts the waiting lists, then watches, that have a
// slot. Callers hold mu.
func (g *requestGate) dispatchLocked() {
	for g.lists < g.maxLists && g.queue.Len() > 0 {
		w := heap.Pop(&g.queue).(*waiter)
		g.lists++
		close(w.ready)
	}
	for g.pending == 0 && g.watches < g.maxWatches && len(g.watchQueue) > 0 {
		w := g.watchQueue[0]
		g.watchQueue[0] = nil
		g.watchQueue = g.watchQueue[1:]
		g.watches++
		close(w.ready)
	}
}

// listQueue is a heap of waiting lists: by rank, then namespace.
type listQueue []*waiter

func (q listQueue) Len() int { return len(q) }
func (q listQueue) Less(i, j int) bool {
	if q[i].rank != q[j].rank {
		return q[i].rank < q[j].rank
	}
	return q[i].ns < q[j].ns
}
func (q listQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *listQueue) Push(x any) {
	w := x.(*waiter)
	w.index = len(*q)
	*q = append(*q, w)
}
func (q *listQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	old[len(old)-1] = nil
	w.index = -1
	*q = old[:len(old)-1]
	return w
}
