package tui

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/berth-dev/berth/internal/testenv"
	"github.com/berth-dev/berth/k8s"
)

// fixtureNow is the time the fixture objects were taken at.
var fixtureNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	// The end-to-end tests run the real binary: none of the shell's BERTH_*
	// or GITHUB_* variables may steer it.
	testenv.Clear()
	// Plain text goldens: no colour escapes to flap between terminals.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// loadObjects decodes testdata/cluster.yaml.
func loadObjects(t testing.TB) []runtime.Object {
	t.Helper()
	return loadFile(t, "testdata/cluster.yaml")
}

// loadFile decodes a file of objects separated by "---" lines; "#" lines
// are comments.
func loadFile(t testing.TB, path string) []runtime.Object {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var objs []runtime.Object
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var lines []string
		for _, l := range strings.Split(doc, "\n") {
			if !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		doc = strings.TrimSpace(strings.Join(lines, "\n"))
		if doc == "" {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("decode %.80s: %v", doc, err)
		}
		objs = append(objs, obj)
	}
	return objs
}

// fakeCluster serves snapshots built from fixture objects; opening a
// namespace's events rebuilds the snapshot with them, like the watcher.
type fakeCluster struct {
	objs    []runtime.Object
	now     time.Time           // when the objects were taken
	edit    func(*k8s.Snapshot) // optional tweak of every snapshot
	logs    []string
	changes chan struct{}

	mu   sync.Mutex
	snap *k8s.Snapshot
	logO []k8s.LogOptions
}

func newFakeCluster(t testing.TB, edit func(*k8s.Snapshot)) *fakeCluster {
	f := &fakeCluster{objs: loadObjects(t), edit: edit, changes: make(chan struct{}, 1), now: fixtureNow}
	f.rebuild("")
	return f
}

func (f *fakeCluster) rebuild(ns string) {
	s := k8s.SnapshotFromObjects(f.objs, f.now, ns)
	if f.edit != nil {
		f.edit(s)
	}
	f.mu.Lock()
	f.snap = s
	f.mu.Unlock()
}

func (f *fakeCluster) Snapshot() *k8s.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeCluster) Changes() <-chan struct{} { return f.changes }

func (f *fakeCluster) OpenEvents(ns string) {
	f.rebuild(ns)
	select {
	case f.changes <- struct{}{}:
	default:
	}
}

// Logs sends the canned lines, then follows (blocks) until cancelled.
func (f *fakeCluster) Logs(ctx context.Context, o k8s.LogOptions, line func(string)) error {
	f.mu.Lock()
	f.logO = append(f.logO, o)
	f.mu.Unlock()
	for _, l := range f.logs {
		line(l)
	}
	if !o.Follow {
		return nil
	}
	<-ctx.Done()
	return nil
}

// session drives the root model in a teatest program.
type session struct {
	t    *testing.T
	tm   *teatest.TestModel
	w, h int
}

func startSession(t *testing.T, cfg Config, w, h int) *session {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return fixtureNow }
	}
	tm := teatest.NewTestModel(t, New(cfg), teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() { _ = tm.Quit() })
	return &session{t: t, tm: tm, w: w, h: h}
}

// waitFor waits until the screen output contains all of want.
func (s *session) waitFor(want ...string) {
	s.t.Helper()
	teatest.WaitFor(s.t, s.tm.Output(), func(b []byte) bool {
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// keys sends key presses: single characters, or names like "enter".
func (s *session) keys(keys ...string) {
	for _, k := range keys {
		s.tm.Send(keyMsg(k))
	}
}

// keyMsg is the key press k: a character, or a name like "enter", "tab".
func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// screen quits and returns the last frame the model drew.
func (s *session) screen() string {
	s.t.Helper()
	s.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	m := s.tm.FinalModel(s.t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	return m.render()
}

// golden compares the screen with testdata/<test name>.golden.
func (s *session) golden() {
	s.t.Helper()
	out := s.screen()
	for i, l := range strings.Split(out, "\n") {
		if w := lipgloss.Width(l); w > s.w {
			s.t.Errorf("line %d is %d cells wide, more than the terminal: %q", i+1, w, l)
		}
	}
	golden.RequireEqual(s.t, []byte(out+"\n"))
}
