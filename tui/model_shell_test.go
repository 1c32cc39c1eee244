package tui

import (
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// fakeShells records the shells the UI runs; each ends with err.
type fakeShells struct {
	err error

	mu    sync.Mutex
	calls []string // namespace/pod/container
	runs  int
	io    bool // stdin and stdout were handed over
}

func (f *fakeShells) open(ns, pod, container string) tea.ExecCommand {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, ns+"/"+pod+"/"+container)
	return &fakeShell{f: f}
}

func (f *fakeShells) record() ([]string, int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...), f.runs, f.io
}

type fakeShell struct {
	f   *fakeShells
	in  io.Reader
	out io.Writer
}

func (s *fakeShell) SetStdin(r io.Reader)  { s.in = r }
func (s *fakeShell) SetStdout(w io.Writer) { s.out = w }
func (s *fakeShell) SetStderr(io.Writer)   {}
func (s *fakeShell) Run() error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.runs++
	s.f.io = s.in != nil && s.out != nil
	return s.f.err
}

// shellSession is a session whose model tells when a shell's end has been
// handled: bubbletea (v1.3) draws nothing more on teatest's output once it
// took the terminal back, so the tests read the model.
type shellSession struct {
	*session
	ended chan struct{}
}

type endSignal struct {
	*Model
	ended chan struct{}
}

func (e endSignal) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := e.Model.Update(msg)
	if _, ok := msg.(shellDoneMsg); ok {
		close(e.ended)
	}
	return e, cmd
}

func startShellSession(t *testing.T, cfg Config) *shellSession {
	t.Helper()
	cfg.Now = func() time.Time { return fixtureNow }
	ended := make(chan struct{})
	tm := teatest.NewTestModel(t, endSignal{Model: New(cfg), ended: ended}, teatest.WithInitialTermSize(120, 30))
	t.Cleanup(func() { _ = tm.Quit() })
	return &shellSession{session: &session{t: t, tm: tm, w: 120, h: 30}, ended: ended}
}

// afterShell waits for the shell's end and returns the screen then.
func (s *shellSession) afterShell() string {
	s.t.Helper()
	select {
	case <-s.ended:
	case <-time.After(5 * time.Second):
		s.t.Fatal("the shell never ended")
	}
	s.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	return s.tm.FinalModel(s.t, teatest.WithFinalTimeout(5*time.Second)).(endSignal).render()
}

// TestShellOnPodKeepsView: x on a pod runs a shell in its first container
// and the UI comes back to the same view, cursor and all, with how it
// ended on the message line.
func TestShellOnPodKeepsView(t *testing.T) {
	shells := &fakeShells{}
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Shell = shells.open
	s := startShellSession(t, cfg)
	s.tm.Send(openDetailMsg{ns: "shop-main"})
	s.waitFor("web-6f7d8-q8w3z")
	s.keys("j", "x")
	after := s.afterShell()
	calls, runs, handed := shells.record()
	if strings.Join(calls, " ") != "shop-main/web-6f7d8-k2x9p/web" || runs != 1 || !handed {
		t.Errorf("shells %q, %d runs, streams handed over %v; want one in shop-main/web-6f7d8-k2x9p/web with the terminal", calls, runs, handed)
	}
	done := "shell in pod shop-main/web-6f7d8-k2x9p container web ended"
	if !strings.Contains(after, done) {
		t.Errorf("message line after the shell: want %q in\n%s", done, after)
	}

	// The same moves without x, and the same message line.
	c := newFakeCluster(t, nil)
	b := startSession(t, shopConfig(c), 120, 30)
	b.tm.Send(openDetailMsg{ns: "shop-main"})
	b.waitFor("web-6f7d8-q8w3z")
	b.keys("j")
	b.tm.Send(flashMsg{ok: true, text: done})
	b.waitFor(done)
	if want := b.screen(); after != want {
		t.Errorf("view after the shell:\n%s\nwant, as before it:\n%s", after, want)
	}
}

// TestShellOnWorkloadUsesReadyPod: x on a rollout row runs in its first
// Ready pod; a failed shell shows its error.
func TestShellOnWorkloadUsesReadyPod(t *testing.T) {
	shells := &fakeShells{err: errors.New("exec refused")}
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Shell = shells.open
	s := startShellSession(t, cfg)
	s.tm.Send(openDetailMsg{ns: "shop-main"})
	s.waitFor("web-6f7d8-q8w3z")
	s.keys("c", "shift+tab", "j")
	s.waitFor("> Deployment/web") // rollouts expanded: api, web
	s.keys("x")
	after := s.afterShell()
	calls, _, _ := shells.record()
	if len(calls) != 1 || !strings.HasPrefix(calls[0], "shop-main/web-6f7d8-") || !strings.HasSuffix(calls[0], "/web") {
		t.Errorf("shells %q, want one in a web pod's web container", calls)
	}
	if want := "shell in pod " + strings.TrimSuffix(calls[0], "/web") + " container web: exec refused"; !strings.Contains(after, want) {
		t.Errorf("want %q on the message line:\n%s", want, after)
	}
}

func TestShellNotAvailable(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 120, 30)
	s.tm.Send(openDetailMsg{ns: "shop-main"})
	s.waitFor("web-6f7d8-q8w3z")
	s.keys("x")
	s.waitFor("shell: not available yet")
}
