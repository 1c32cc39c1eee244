package tui

import (
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/forward"
	"github.com/berth-dev/berth/tui/render"
)

// Forwarding is a running set of port-forwards (a *forward.Session).
type Forwarding interface {
	Forwards() []forward.Forward
	// Close stops the forwards; Done is closed once they have stopped.
	Close()
	Done() <-chan struct{}
}

// Forwarder starts port-forwards for every service with ports of the env
// in ns, as `berth forward` does; report receives the session's events.
type Forwarder interface {
	Forward(ctx context.Context, ns string, report func(forward.Event)) (Forwarding, error)
}

type (
	// forwardMsg starts or stops the forwards of the env in ns.
	forwardMsg struct{ ns string }
	// forwardStartedMsg: the forwards of ns are up (or err).
	forwardStartedMsg struct {
		ns     string
		f      Forwarding
		err    error
		events <-chan forward.Event
	}
	// forwardEventMsg is one event of the forwards of ns.
	forwardEventMsg struct {
		ns     string
		f      Forwarding
		ev     forward.Event
		events <-chan forward.Event
	}
)

// toggleForward starts the forwards of ns, or stops them when running.
func (m *Model) toggleForward(ns string) tea.Cmd {
	if f, ok := m.forwards[ns]; ok {
		if f == nil {
			m.setFlash(true, "forward %s: starting…", ns)
			return nil
		}
		delete(m.forwards, ns)
		m.setFlash(true, "forward %s: stopped", ns)
		return func() tea.Msg { f.Close(); return nil }
	}
	if m.cfg.Forwarder == nil {
		m.setFlash(false, "forward: %v", ErrNotAvailable)
		return nil
	}
	if m.forwards == nil {
		m.forwards = map[string]Forwarding{}
	}
	m.forwards[ns] = nil // starting
	fw := m.cfg.Forwarder
	return func() tea.Msg {
		events := make(chan forward.Event, 16)
		f, err := fw.Forward(context.Background(), ns, func(e forward.Event) {
			select {
			case events <- e:
			default: // the UI is behind: the next line will do
			}
		})
		return forwardStartedMsg{ns: ns, f: f, err: err, events: events}
	}
}

// forwardStarted records the forwards of msg.ns and follows their events.
func (m *Model) forwardStarted(msg forwardStartedMsg) tea.Cmd {
	if msg.err != nil {
		delete(m.forwards, msg.ns)
		m.setFlash(false, "forward %s: %v", msg.ns, msg.err)
		return nil
	}
	if cur, ok := m.forwards[msg.ns]; !ok || cur != nil || m.quitting {
		return func() tea.Msg { msg.f.Close(); return nil } // stopped meanwhile
	}
	m.forwards[msg.ns] = msg.f
	m.setFlash(true, "forward %s: %s", msg.ns, forwardList(msg.f.Forwards()))
	return readForward(msg.ns, msg.f, msg.events)
}

// forwardEvent shows an event of running forwards on the message line.
func (m *Model) forwardEvent(msg forwardEventMsg) tea.Cmd {
	if m.forwards[msg.ns] != msg.f {
		return nil // stopped
	}
	m.setFlash(msg.ev.Kind != forward.Failed, "%s", msg.ev)
	return readForward(msg.ns, msg.f, msg.events)
}

// readForward waits for the next event of f.
func readForward(ns string, f Forwarding, events <-chan forward.Event) tea.Cmd {
	return func() tea.Msg {
		select {
		case ev := <-events:
			return forwardEventMsg{ns: ns, f: f, ev: ev, events: events}
		case <-f.Done():
			return nil
		}
	}
}

// stopForwards closes every running forward (berth quits).
func (m *Model) stopForwards() {
	for ns, f := range m.forwards {
		if f != nil {
			f.Close()
		}
		delete(m.forwards, ns)
	}
}

// forwardList is "127.0.0.1:8080 → web:80 · …", as `berth forward` says it.
func forwardList(fs []forward.Forward) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		parts = append(parts, f.String())
	}
	return strings.Join(parts, " · ")
}

// forwardLine is the env header's line of active forwards, if any.
func forwardLine(c *viewCtx, ns string, w int) []string {
	f := c.forwards[ns]
	if f == nil {
		return nil
	}
	return []string{c.styles.flash.Render(render.Fit("forwarding "+forwardList(f.Forwards()), w))}
}
