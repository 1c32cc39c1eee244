package tui

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/berth-dev/berth/forward"
)

// fakeForwarder records the envs it forwards and hands out sessions with
// fixed forwards.
type fakeForwarder struct {
	mu       sync.Mutex
	started  []string
	sessions []*fakeForwarding
}

func (f *fakeForwarder) Forward(_ context.Context, ns string, report func(forward.Event)) (Forwarding, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, ns)
	s := &fakeForwarding{done: make(chan struct{}), fs: []forward.Forward{
		{Spec: forward.Spec{Service: "web", Local: 8080, Remote: 8080}, Addr: "127.0.0.1:8080"},
		{Spec: forward.Spec{Service: "db", Local: 40123, Remote: 5432}, Wanted: 5432, Addr: "127.0.0.1:40123"},
	}}
	f.sessions = append(f.sessions, s)
	report(forward.Event{Kind: forward.Connected, Service: "web", Pod: "web-7d9c4-aaaaa", Protocol: forward.WebSocket})
	return s, nil
}

// closed says which sessions were closed, in start order.
func (f *fakeForwarder) closed() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []bool
	for _, s := range f.sessions {
		select {
		case <-s.done:
			out = append(out, true)
		default:
			out = append(out, false)
		}
	}
	return out
}

type fakeForwarding struct {
	fs   []forward.Forward
	once sync.Once
	done chan struct{}
}

func (s *fakeForwarding) Forwards() []forward.Forward { return s.fs }
func (s *fakeForwarding) Close()                      { s.once.Do(func() { close(s.done) }) }
func (s *fakeForwarding) Done() <-chan struct{}       { return s.done }

func TestGoldenForwardHeader(t *testing.T) {
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Forwarder = &fakeForwarder{}
	s := startSession(t, cfg, 80, 24)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("PODS", "OOMKilling") // events arrive after the view opens
	s.keys("f")
	s.waitFor("forwarding 127.0.0.1:8080 → web:8080")
	s.golden()
}

// TestForwardToggle: f starts the forwards of the env under the cursor,
// f again stops them, and the ones still running stop when berth quits.
func TestForwardToggle(t *testing.T) {
	fw := &fakeForwarder{}
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Forwarder = fw
	s := startSession(t, cfg, 120, 24)
	s.waitFor("shop-old-ui")
	s.keys("f")
	s.waitFor("web: forwarding to pod web-7d9c4-aaaaa (websocket)")
	s.keys("f")
	s.waitFor("forward shop-feat-login: stopped")
	s.keys("G", "f")
	s.waitFor("web: forwarding to pod web-7d9c4-aaaaa (websocket)")
	waitFor(t, func() bool { return slices.Equal(fw.closed(), []bool{true, false}) })

	s.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	m := s.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	m.stop()
	if got := fw.closed(); !slices.Equal(got, []bool{true, true}) {
		t.Errorf("closed after quit %v, want every session closed", got)
	}
	if !slices.Equal(fw.started, []string{"shop-feat-login", "shop-old-ui"}) {
		t.Errorf("forwarded %v", fw.started)
	}
}

func TestForwardNotAvailable(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 120, 24)
	s.waitFor("shop-old-ui")
	s.keys("f")
	s.waitFor("forward: not available")
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
