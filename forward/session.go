package forward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
)

// attempts is how many tunnels a local connection tries before it is
// dropped (a tunnel that broke is replaced in between).
const attempts = 3

// Options say where a session forwards to and how it reports.
type Options struct {
	Config    *rest.Config
	Client    kube.Interface
	Namespace string
	// Address is the local address to listen on; default 127.0.0.1.
	Address  string
	Protocol Protocol
	// Report receives the session's events, one at a time; nil drops them.
	Report func(Event)

	// primary replaces the websocket dialer (tests prove the fallback).
	primary func(u *url.URL, cfg *rest.Config) (httpstream.Dialer, error)
}

// Forward is one open local listener.
type Forward struct {
	Spec          // Local is the port listened on
	Wanted int    // the local port asked for, when it was taken (else 0)
	Addr   string // host:port listened on
}

// Session is a running set of forwards. Close (or the context given to
// Start ending) stops it.
type Session struct {
	cs      kube.Interface
	rest    rest.Interface
	ns      string
	dialers *dialers

	reportMu sync.Mutex
	reportFn func(Event)

	forwards  []Forward
	listeners []net.Listener
	links     map[string]*link
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	done      chan struct{}
}

// Start resolves every spec's service (an unknown one is an error), opens
// the local listeners (a wanted port that is taken gets a free one, see
// Forward.Wanted) and starts following the services' pods. Specs must
// name their ports (see Defaults).
func Start(ctx context.Context, o Options, specs []Spec) (*Session, error) {
	if len(specs) == 0 {
		return nil, errors.New("nothing to forward")
	}
	addr := o.Address
	if addr == "" {
		addr = "127.0.0.1"
	}
	s := &Session{cs: o.Client, rest: o.Client.CoreV1().RESTClient(), ns: o.Namespace, dialers: newDialers(o.Config, o.Protocol, o.primary),
		reportFn: o.Report, links: map[string]*link{}, done: make(chan struct{})}
	for _, sp := range specs {
		if sp.Remote == 0 {
			return nil, fmt.Errorf("forward %s: no remote port", sp.Service)
		}
		if _, ok := s.links[sp.Service]; ok {
			continue
		}
		if _, err := k8s.ResolveTarget(ctx, o.Client, o.Namespace, sp.Service); err != nil {
			return nil, err
		}
		s.links[sp.Service] = newLink(s, sp.Service)
	}
	for _, sp := range specs {
		l, wanted, err := listen(addr, sp.Local)
		if err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("forward %s: %w", sp, err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		f := Forward{Spec: Spec{Service: sp.Service, Local: port, Remote: sp.Remote}, Wanted: wanted,
			Addr: net.JoinHostPort(addr, strconv.Itoa(port))}
		s.forwards = append(s.forwards, f)
		s.listeners = append(s.listeners, l)
	}
	ctx, s.cancel = context.WithCancel(ctx)
	for _, l := range s.links {
		s.wg.Go(func() { l.run(ctx) })
	}
	for i, l := range s.listeners {
		f := s.forwards[i]
		s.wg.Go(func() { s.accept(ctx, l, f) })
	}
	go func() {
		<-ctx.Done()
		s.closeListeners()
	}()
	go func() {
		s.wg.Wait()
		close(s.done)
	}()
	return s, nil
}

// Forwards are the open listeners, in the order of the specs.
func (s *Session) Forwards() []Forward { return s.forwards }

// Close stops the session: listeners, tunnels and forwarded connections.
func (s *Session) Close() {
	s.cancel()
	<-s.done
}

// Done is closed once the session has stopped.
func (s *Session) Done() <-chan struct{} { return s.done }

func (s *Session) report(e Event) {
	if s.reportFn == nil {
		return
	}
	s.reportMu.Lock()
	defer s.reportMu.Unlock()
	s.reportFn(e)
}

func (s *Session) closeListeners() {
	for _, l := range s.listeners {
		_ = l.Close()
	}
}

// listen opens addr:port, or a free port when port is taken (wanted is
// then port).
func listen(addr string, port int) (l net.Listener, wanted int, err error) {
	l, err = net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err == nil || port == 0 || !errors.Is(err, syscall.EADDRINUSE) && !errors.Is(err, syscall.EACCES) {
		return l, 0, err
	}
	l, err = net.Listen("tcp", net.JoinHostPort(addr, "0"))
	return l, port, err
}

// accept serves l's connections until it closes.
func (s *Session) accept(ctx context.Context, l net.Listener, f Forward) {
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		conns.Go(func() { s.handle(ctx, c, f) })
	}
}

// handle forwards one local connection over its service's tunnel.
func (s *Session) handle(ctx context.Context, c net.Conn, f Forward) {
	defer c.Close()
	lk := s.links[f.Service]
	for range attempts {
		pc, id, err := lk.conn(ctx)
		if err != nil {
			return
		}
		tunnel, err := pump(ctx, c, pc, id, f.Remote)
		switch {
		case err == nil:
			return
		case tunnel:
			lk.broken(pc) // no byte went through: try the next tunnel
		default:
			s.report(Event{Kind: Failed, Service: f.Service, Err: fmt.Errorf("port %d of pod %s: %w", f.Remote, pc.pod, err)})
			return
		}
	}
}

// pump opens the error and data streams of request id on pc and copies
// between them and c until either side ends. tunnel says the streams
// could not be opened (nothing was copied).
func pump(ctx context.Context, c net.Conn, pc *podConn, id int, remote int) (tunnel bool, err error) {
	headers := func(typ string) http.Header {
		h := http.Header{}
		h.Set(corev1.StreamType, typ)
		h.Set(corev1.PortHeader, strconv.Itoa(remote))
		h.Set(corev1.PortForwardRequestIDHeader, strconv.Itoa(id))
		return h
	}
	// Each stream waits for the server's reply: open both at once, one
	// round trip through the API server instead of two (the server pairs
	// them by request id, in any order).
	type created struct {
		s   httpstream.Stream
		err error
	}
	ec := make(chan created, 1)
	go func() {
		s, err := pc.conn.CreateStream(headers(corev1.StreamTypeError))
		ec <- created{s, err}
	}()
	data, derr := pc.conn.CreateStream(headers(corev1.StreamTypeData))
	e := <-ec
	if e.err != nil || derr != nil {
		for _, s := range []httpstream.Stream{e.s, data} {
			if s != nil {
				_ = s.Reset()
				pc.conn.RemoveStreams(s)
			}
		}
		return true, errors.Join(e.err, derr)
	}
	errStream := e.s
	_ = errStream.Close() // nothing to write on it
	defer pc.conn.RemoveStreams(errStream, data)
	errc := make(chan error, 1)
	go func() {
		msg, err := io.ReadAll(errStream)
		switch {
		case err != nil:
			errc <- err
		case len(msg) > 0:
			errc <- errors.New(string(msg))
		default:
			errc <- nil
		}
	}()

	remoteDone := make(chan struct{})
	go func() {
		_, _ = io.Copy(c, data)
		close(remoteDone)
	}()
	go func() {
		_, _ = io.Copy(data, c)
		_ = data.Close() // half-close: nothing more to send
	}()
	select {
	case <-remoteDone:
	case <-ctx.Done():
	case <-pc.conn.CloseChan():
	}
	_ = data.Reset()
	select {
	case err := <-errc:
		return false, err
	case <-ctx.Done():
		return false, nil
	case <-pc.conn.CloseChan():
		return false, nil
	}
}

// Target is where f forwards to, as service:port.
func (f Forward) Target() string { return fmt.Sprintf("%s:%d", f.Service, f.Remote) }

// Note says why f listens elsewhere than asked, or "".
func (f Forward) Note() string {
	if f.Wanted == 0 {
		return ""
	}
	return fmt.Sprintf("port %d taken", f.Wanted)
}

// String is f as the CLI and the TUI show it: "127.0.0.1:8080 → web:80".
func (f Forward) String() string { return f.Addr + " → " + f.Target() }
