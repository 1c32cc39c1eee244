package logs

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/k8s"
)

// Retries of a container stream that failed (e.g. its container started
// a moment after its status said so), the first after retryWait, each
// twice as late as the one before.
const (
	retries   = 5
	retryWait = 500 * time.Millisecond
)

// follower streams every started container of the targets' pods as a pod
// watch reports them, until its context ends.
type follower struct {
	*streamer
	ctx context.Context
	out chan Line // the merged stream: Buffer lines at most
	wg  sync.WaitGroup

	mu   sync.Mutex
	pods map[string]*podStreams // by pod name
}

// podStreams are the streams of one pod.
type podStreams struct {
	uid     types.UID
	target  int
	ctx     context.Context // cancelled when the pod is deleted
	cancel  context.CancelFunc
	initial bool // there when streaming began: Tail applies
	deleted bool
	conts   map[string]*contState
}

// contState is where a container's stream is at.
type contState struct {
	running  bool
	began    bool  // an instance was streamed
	restarts int32 // restart count of that instance
}

// follow watches the targets' pods and streams each container once it has
// started, again after it restarts; a deleted pod's streams stop.
func (s *streamer) follow(ctx context.Context, line func(Line)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ns := s.targets[0].Namespace
	sel := labels.Everything().String()
	if len(s.targets) == 1 {
		sel = s.targets[0].Selector.String()
	}
	pods := s.cs.CoreV1().Pods(ns)
	// Fail fast on what a watch would only retry (forbidden, no namespace).
	if _, err := pods.List(ctx, metav1.ListOptions{LabelSelector: sel, Limit: 1}); err != nil {
		return fmt.Errorf("%s: list pods in %s: %w", s.describe(), ns, err)
	}
	f := &follower{streamer: s, ctx: ctx, out: make(chan Line, Buffer), pods: map[string]*podStreams{}}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = sel
			return pods.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = sel
			return pods.Watch(ctx, o)
		},
	}
	_, ctrl := cache.NewInformerWithOptions(cache.InformerOptions{
		ListerWatcher: cache.ToListWatcherWithWatchListSemantics(lw, s.cs),
		ObjectType:    &corev1.Pod{},
		Handler: cache.ResourceEventHandlerDetailedFuncs{
			AddFunc:    func(obj any, initial bool) { f.sync(obj, initial) },
			UpdateFunc: func(_, obj any) { f.sync(obj, false) },
			DeleteFunc: f.deleted,
		},
	})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ctrl.RunWithContext(ctx)
	}()
	for {
		select {
		case l := <-f.out:
			line(l)
		case <-ctx.Done():
			<-stopped   // no handler runs: no stream starts
			f.wg.Wait() // every stream stopped
			return nil
		}
	}
}

// targetOf is the index of the first target selecting pod, -1 if none.
func (f *follower) targetOf(pod *corev1.Pod) int {
	for i, t := range f.targets {
		if t.Selector.Matches(labels.Set(pod.Labels)) {
			return i
		}
	}
	return -1
}

// sync starts the streams of pod's containers that started since.
func (f *follower) sync(obj any, initial bool) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	ti := f.targetOf(pod)
	if ti < 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ps := f.pods[pod.Name]
	if ps == nil || ps.uid != pod.UID { // new, or a new pod of the same name (StatefulSet)
		if ps != nil {
			ps.deleted = true
			ps.cancel()
		}
		ctx, cancel := context.WithCancel(f.ctx)
		ps = &podStreams{uid: pod.UID, target: ti, ctx: ctx, cancel: cancel, initial: initial, conts: map[string]*contState{}}
		f.pods[pod.Name] = ps
	}
	if ps.deleted {
		return
	}
	for _, c := range specContainers(&pod.Spec, f.o.Container) {
		cs := ps.conts[c]
		if cs == nil {
			cs = &contState{}
			ps.conts[c] = cs
		}
		st := statusOf(pod, c)
		if cs.running || notReady(pod, c, false) != nil || cs.began && st.RestartCount <= cs.restarts {
			continue
		}
		// A new instance: stream it whole, unless it was there at the start.
		lo := f.logOptions(pod, c, ps.initial && !cs.began)
		cs.running, cs.began, cs.restarts = true, true, st.RestartCount
		base := Line{Prefix: f.prefix(ti, pod.Name, c), Pod: pod.Name, Container: c}
		f.wg.Add(1)
		go f.run(ps, cs, base, lo)
	}
}

// deleted stops the streams of a deleted pod.
func (f *follower) deleted(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if ps := f.pods[pod.Name]; ps != nil && ps.uid == pod.UID {
		ps.deleted = true
		ps.cancel()
		f.release(pod.Name, ps)
	}
}

// release forgets a deleted pod once none of its streams runs. f.mu held.
func (f *follower) release(name string, ps *podStreams) {
	if !ps.deleted {
		return
	}
	for _, cs := range ps.conts {
		if cs.running {
			return
		}
	}
	if f.pods[name] == ps {
		delete(f.pods, name)
		f.names[ps.target].forget(name)
	}
}

// run streams one container instance, retrying failures, and reports how
// it ended.
func (f *follower) run(ps *podStreams, cs *contState, base Line, lo k8s.LogOptions) {
	defer f.wg.Done()
	send := func(ctx context.Context, l Line) {
		select {
		case f.out <- l:
		case <-ctx.Done():
		}
	}
	l := base
	l.Kind = Started
	send(ps.ctx, l)
	var err error
	wait := retryWait
	for try := 0; ; try++ {
		err = f.open(ps.ctx, lo, func(text string) {
			l := base
			l.Text = text
			send(ps.ctx, l)
		})
		if err == nil || ps.ctx.Err() != nil || try == retries {
			break
		}
		select {
		case <-time.After(wait):
		case <-ps.ctx.Done():
		}
		wait *= 2
	}
	f.mu.Lock()
	cs.running = false
	deleted := ps.deleted
	f.release(base.Pod, ps)
	f.mu.Unlock()
	end := base
	switch {
	case f.ctx.Err() != nil:
		return
	case deleted:
		end.Kind, end.Text = Ended, "pod deleted"
	case err != nil:
		end.Kind, end.Err = Failed, fmt.Errorf("container %s: %w", base.Container, err)
	default:
		end.Kind, end.Text = Ended, "container stopped"
	}
	send(f.ctx, end)
}
