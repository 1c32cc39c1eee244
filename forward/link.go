package forward

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/portforward"

	"github.com/berth-dev/berth/k8s"
)

// retryEvery is how often a link looks for a Ready pod, or redials after
// a failed dial.
const retryEvery = 500 * time.Millisecond

// quietFor is how long a link waits for a replacement pod before saying
// it is waiting.
const quietFor = 3 * time.Second

// link is the tunnel of one service: a connection to one Ready pod that
// all of the service's local ports share, replaced when the pod goes or
// the connection breaks.
type link struct {
	s       *Session
	service string

	mu    sync.Mutex
	cur   *podConn      // nil while (re)connecting
	ready chan struct{} // closed once cur is set
	reqID int
}

// podConn is a live tunnel to a pod.
type podConn struct {
	pod  string
	conn httpstream.Connection
}

func newLink(s *Session, service string) *link {
	return &link{s: s, service: service, ready: make(chan struct{})}
}

// run keeps a tunnel to a Ready pod until ctx ends.
func (l *link) run(ctx context.Context) {
	prev, lastErr := "", ""
	for {
		pod, err := l.waitPod(ctx, prev)
		if err != nil {
			return // ctx ended
		}
		var used Protocol
		conn, err := l.dial(ctx, pod.Name, &used)
		if ctx.Err() != nil {
			if conn != nil {
				_ = conn.Close()
			}
			return
		}
		if err != nil {
			if msg := err.Error(); msg != lastErr {
				lastErr = msg
				l.s.report(Event{Kind: Failed, Service: l.service, Err: fmt.Errorf("pod %s: %w", pod.Name, err)})
			}
			if sleep(ctx, retryEvery) != nil {
				return
			}
			continue
		}
		lastErr = ""
		pc := &podConn{pod: pod.Name, conn: conn}
		l.mu.Lock()
		l.cur = pc
		close(l.ready)
		l.mu.Unlock()
		if prev == "" {
			l.s.report(Event{Kind: Connected, Service: l.service, Pod: pod.Name, Protocol: used})
		} else {
			l.s.report(Event{Kind: Moved, Service: l.service, Pod: pod.Name, Previous: prev, Protocol: used})
		}

		l.watchPod(ctx, pod, conn)

		l.clear(pc)
		_ = conn.Close()
		if ctx.Err() != nil {
			return
		}
		prev = pod.Name
	}
}

// dial opens a tunnel to pod's portforward subresource, giving up (and
// closing the tunnel once made) when ctx ends first: client-go's dialers
// take no context.
func (l *link) dial(ctx context.Context, pod string, used *Protocol) (httpstream.Connection, error) {
	type dialed struct {
		conn httpstream.Connection
		used Protocol
		err  error
	}
	ch := make(chan dialed, 1)
	go func() {
		var d dialed
		d.conn, d.err = l.dialNow(pod, &d.used)
		ch <- d
	}()
	select {
	case d := <-ch:
		*used = d.used
		return d.conn, d.err
	case <-ctx.Done():
		go func() {
			if d := <-ch; d.conn != nil {
				_ = d.conn.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

func (l *link) dialNow(pod string, used *Protocol) (httpstream.Connection, error) {
	u := l.s.rest.Post().Resource("pods").Namespace(l.s.ns).Name(pod).SubResource("portforward").URL()
	d, err := l.s.dialers.dialer(u, used)
	if err != nil {
		return nil, err
	}
	conn, proto, err := d.Dial(portforward.PortForwardProtocolV1Name)
	if err != nil {
		return nil, fmt.Errorf("port-forward: %w", err)
	}
	if proto != portforward.PortForwardProtocolV1Name {
		_ = conn.Close()
		return nil, fmt.Errorf("port-forward: server chose protocol %q", proto)
	}
	return conn, nil
}

// waitPod resolves the service again and returns its newest Ready pod,
// waiting (and saying so once, after quietFor when replacing prev) while
// there is none.
func (l *link) waitPod(ctx context.Context, prev string) (corev1.Pod, error) {
	said := false
	// A replacement pod usually turns Ready within moments: say nothing
	// until quietFor has passed, so a rollout reads as the one Moved line.
	var quiet time.Time
	if prev != "" {
		quiet = time.Now().Add(quietFor)
	}
	for {
		t, err := k8s.ResolveTarget(ctx, l.s.cs, l.s.ns, l.service)
		if err == nil {
			var pods []corev1.Pod
			if pods, err = t.Pods(ctx, l.s.cs); err == nil {
				if p, ok := k8s.ReadyPod(pods); ok {
					return p, nil
				}
			}
		}
		if ctx.Err() != nil {
			return corev1.Pod{}, ctx.Err()
		}
		if !said && time.Now().After(quiet) {
			said = true
			if err != nil {
				l.s.report(Event{Kind: Failed, Service: l.service, Err: err})
			} else {
				l.s.report(Event{Kind: Waiting, Service: l.service, Previous: prev})
			}
		}
		if err := sleep(ctx, retryEvery); err != nil {
			return corev1.Pod{}, err
		}
	}
}

// watchPod returns when pod is deleted or finished, when the tunnel
// closes, or when ctx ends.
func (l *link) watchPod(ctx context.Context, pod corev1.Pod, conn httpstream.Connection) {
	rv := pod.ResourceVersion
	sel := fields.OneTermEqualSelector("metadata.name", pod.Name).String()
	for {
		w, err := l.s.cs.CoreV1().Pods(l.s.ns).Watch(ctx, metav1.ListOptions{FieldSelector: sel, ResourceVersion: rv})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p, gerr := l.s.cs.CoreV1().Pods(l.s.ns).Get(ctx, pod.Name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(gerr):
				return
			case gerr == nil && gone(p):
				return
			case gerr == nil:
				rv = p.ResourceVersion
			}
			select {
			case <-ctx.Done():
				return
			case <-conn.CloseChan():
				return
			case <-time.After(retryEvery):
			}
			continue
		}
		if l.follow(ctx, w, conn, &rv) {
			w.Stop()
			return
		}
		w.Stop()
	}
}

// follow reads w until the pod is gone, the tunnel closes or ctx ends
// (true), or the watch ends (false: watch again from *rv).
func (l *link) follow(ctx context.Context, w watch.Interface, conn httpstream.Connection, rv *string) bool {
	for {
		select {
		case <-ctx.Done():
			return true
		case <-conn.CloseChan():
			return true
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false
			}
			switch ev.Type {
			case watch.Deleted:
				return true
			case watch.Error:
				*rv = "" // expired: list again
				return false
			}
			if p, ok := ev.Object.(*corev1.Pod); ok {
				*rv = p.ResourceVersion
				if gone(p) {
					return true
				}
			}
		}
	}
}

// gone holds for a pod being deleted or finished.
func gone(p *corev1.Pod) bool {
	return p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// conn waits for the current tunnel (and a fresh request id for it).
func (l *link) conn(ctx context.Context) (*podConn, int, error) {
	for {
		l.mu.Lock()
		cur, ready := l.cur, l.ready
		if cur != nil {
			l.reqID++
			id := l.reqID
			l.mu.Unlock()
			return cur, id, nil
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-ready:
		}
	}
}

// broken closes pc's tunnel after a stream could not be opened on it, so
// run dials again.
func (l *link) broken(pc *podConn) {
	l.clear(pc)
	_ = pc.conn.Close()
}

// clear forgets pc if it is the current tunnel; callers of conn then wait
// for the next one.
func (l *link) clear(pc *podConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == pc {
		l.cur = nil
		l.ready = make(chan struct{})
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
